//! The Manager screen's Staff tab: who may sign in here, where each comes from (made here,
//! or HQ's roster), and the changes a manager makes here. HQ's people are HQ's to change:
//! the register refuses, and the tab shows its message (`till_register`'s staff module
//! holds the rules).

use tauri::State;
use till_api::StaffListView;
use till_register::StaffChange;

use crate::commands::Reply;
use crate::error::AppError;
use crate::state::AppState;

/// Staff (with where each comes from) and the permission matrix, for a signed-in person.
#[tauri::command]
pub async fn staff_list(state: State<'_, AppState>) -> Reply<StaffListView> {
    state
        .with(|s| {
            let auth = s.authority();
            let reg = s.register()?;
            reg.signed_in(&auth)?;
            let (staff, roles) = reg.staff_list()?;
            Ok(StaffListView::new(&staff, &roles))
        })
        .await
}

/// Changes staff member `code`: `unlock`, `remove`, `role` (to `value`) or `pin` (to
/// `value`), as the signed-in person with `approvals` (manager `CODE:PIN`s); answers the
/// list after.
#[tauri::command]
pub async fn staff_change(
    state: State<'_, AppState>,
    code: String,
    change: String,
    value: Option<String>,
    approvals: Vec<String>,
) -> Reply<StaffListView> {
    state
        .with(move |s| {
            let value = value.unwrap_or_default();
            let change = match change.as_str() {
                "unlock" => StaffChange::Unlock,
                "remove" => StaffChange::Deactivate,
                "role" => StaffChange::Role(&value),
                "pin" => StaffChange::Pin(&value),
                other => {
                    return Err(AppError::new(
                        "input",
                        format!("staff change '{other}': one of unlock, remove, role, pin"),
                    ));
                }
            };
            let (reg, _, mut auth) = s.acting(&approvals)?;
            reg.change_staff(&mut auth, &code, change)?;
            let (staff, roles) = reg.staff_list()?;
            Ok(StaffListView::new(&staff, &roles))
        })
        .await
}
