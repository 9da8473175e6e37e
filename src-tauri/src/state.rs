//! What the app holds between commands: the register (opened once), the cart on screen,
//! who is signed in. Commands reach it through [`AppState::with`], which runs the work on
//! a blocking thread — never on the main (UI) thread — one command at a time.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use till_domain::Cart;
use till_register::{Authority, Operator, RandomIds, Register};

use crate::error::AppError;

/// The register session behind the window.
pub struct Session {
    /// The register, once the data directory holds one.
    pub register: Option<Register>,
    /// The cart being rung up.
    pub cart: Cart,
    /// Who is signed in, and their authority (approvals are added per action).
    pub signed_in: Option<(Operator, Authority)>,
}

impl Session {
    /// The register, or why there is none yet.
    pub fn register(&mut self) -> Result<&mut Register, AppError> {
        Ok(self.parts()?.0)
    }

    /// The signed-in authority, or nobody's: the register decides what nobody may do.
    pub fn authority(&self) -> Authority {
        self.signed_in.as_ref().map(|(_, auth)| auth.clone()).unwrap_or_else(Authority::setup)
    }

    /// The register and the cart, borrowed apart.
    pub fn parts(&mut self) -> Result<(&mut Register, &mut Cart), AppError> {
        let reg =
            self.register.as_mut().ok_or_else(|| AppError::new("needs_setup", "this computer has no register yet"))?;
        Ok((reg, &mut self.cart))
    }

    /// The register, the cart, and the signed-in authority with `approvals` (manager
    /// `CODE:PIN`s) added for this action.
    pub fn acting(&mut self, approvals: &[String]) -> Result<(&mut Register, &mut Cart, Authority), AppError> {
        let base = match &self.signed_in {
            Some((_, auth)) => auth.clone(),
            None => return Err(AppError::new("sign_in", "sign in first")),
        };
        let (reg, cart) = self.parts()?;
        let auth = reg.with_approvals(&base, approvals)?;
        Ok((reg, cart, auth))
    }
}

/// The app's state, managed by Tauri.
pub struct AppState {
    /// The register's data directory.
    pub dir: PathBuf,
    /// Kiosk mode: fullscreen, locked; leaving needs a manager.
    pub kiosk: bool,
    session: Arc<Mutex<Session>>,
}

impl AppState {
    /// The state for the register in `dir` (opened now if it exists).
    pub fn open(dir: PathBuf, kiosk: bool) -> anyhow::Result<AppState> {
        let register = if dir.join(till_register::DATABASE_FILE).exists() {
            Some(Register::open(&dir, till_register::clock_from_env()?, Box::new(RandomIds))?)
        } else {
            None
        };
        let session = Session { register, cart: Cart::new(), signed_in: None };
        Ok(AppState { dir, kiosk, session: Arc::new(Mutex::new(session)) })
    }

    /// The window's title: "Till — STORE / REGISTER" (just "Till" before setup).
    pub fn title(&self) -> String {
        let s = self.session.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match &s.register {
            Some(reg) => format!("Till — {} / {}", reg.config().store, reg.config().register),
            None => "Till".to_string(),
        }
    }

    /// Runs `work` on the session on a blocking thread.
    pub async fn with<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Session) -> Result<T, AppError> + Send + 'static,
    ) -> Result<T, AppError> {
        let session = self.session.clone();
        tauri::async_runtime::spawn_blocking(move || {
            let mut s = session.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            work(&mut s)
        })
        .await
        .map_err(|e| AppError::new("internal", e.to_string()))?
    }
}
