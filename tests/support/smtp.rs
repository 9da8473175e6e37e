//! A real SMTP server for the mail tests: aiosmtpd (PyPI) in a virtual environment under
//! the target directory, with the `smtp_sink.py` handler beside this file, which keeps each
//! message it accepts (and refuses recipients starting with "reject" for good, with 550).
//! It can be stopped and started again on the same port, as a mail server goes away and
//! comes back.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// The aiosmtpd version the tests run (any Python >= 3.9).
const AIOSMTPD: &str = "aiosmtpd==1.4.6";

/// An SMTP server on loopback.
pub struct SmtpServer {
    child: Option<Child>,
    python: PathBuf,
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Where it keeps what it accepted.
    pub maildrop: tempfile::TempDir,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl SmtpServer {
    /// A server on a free port, once it accepts connections; its virtual environment is
    /// made under `venvs` (the test's `CARGO_TARGET_TMPDIR`) if it is not there yet.
    pub fn start(venvs: &Path) -> SmtpServer {
        let python = crate::python::venv(venvs, "aiosmtpd-venv", Path::new("python3"), &[AIOSMTPD]).join("bin/python");
        let mut server = SmtpServer { child: None, python, port: free_port(), maildrop: tempfile::tempdir().unwrap() };
        server.resume();
        server
    }

    /// `smtp://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("smtp://127.0.0.1:{}", self.port)
    }

    /// Stops the server (its port refuses connections).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port, once it accepts connections.
    pub fn resume(&mut self) {
        assert!(self.child.is_none(), "the SMTP server is running already");
        let child = Command::new(&self.python)
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{}", self.port), "-c", "smtp_sink.Maildrop"])
            .arg(self.maildrop.path())
            .env("PYTHONPATH", crate::repo().join("tests/support"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            assert!(Instant::now() < deadline, "aiosmtpd did not start on port {}", self.port);
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().unwrap()) {
                panic!("aiosmtpd exited at start: {status}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// The messages accepted so far, oldest first, as Python's email parser read them:
    /// `mail_from`, `rcpt_tos`, `headers` (lower-case names, decoded), `content_type`,
    /// `charset`, `body` (the text, decoded).
    pub fn messages(&self) -> Vec<Value> {
        let mut out: Vec<Value> = std::fs::read_dir(self.maildrop.path())
            .unwrap()
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
            .map(|e| serde_json::from_slice(&std::fs::read(e.path()).unwrap()).unwrap())
            .collect();
        out.sort_by_key(|m| m["received_ns"].as_u64());
        out
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        self.stop();
    }
}
