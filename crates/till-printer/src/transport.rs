//! Getting bytes to a printer. TCP (port 9100, "raw"/JetDirect) today, with connect and
//! write timeouts so a printer that is off never hangs the caller.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

/// Why printing failed.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// The printer address is not one Till can use.
    #[error("printer '{0}': expected tcp://HOST:PORT")]
    BadUrl(String),
    /// The printer could not be reached or stopped taking data.
    #[error("printer {url}: {error}")]
    Io {
        /// Where.
        url: String,
        /// What happened.
        error: std::io::Error,
    },
}

fn connect(url: &str) -> Result<TcpStream, PrintError> {
    let host = url.strip_prefix("tcp://").ok_or_else(|| PrintError::BadUrl(url.to_string()))?;
    let io = |error| PrintError::Io { url: url.to_string(), error };
    let addr = host.to_socket_addrs().map_err(io)?.next().ok_or_else(|| PrintError::BadUrl(url.to_string()))?;
    let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(3)).map_err(io)?;
    stream.set_write_timeout(Some(Duration::from_secs(5))).map_err(io)?;
    stream.set_read_timeout(Some(Duration::from_secs(2))).map_err(io)?;
    Ok(stream)
}

/// Sends `bytes` to the printer at `url` (`tcp://HOST:PORT`).
pub fn send(url: &str, bytes: &[u8]) -> Result<(), PrintError> {
    let io = |error| PrintError::Io { url: url.to_string(), error };
    let mut stream = connect(url)?;
    stream.write_all(bytes).map_err(io)?;
    stream.flush().map_err(io)?;
    Ok(())
}

/// What the printer reports of itself (DLE EOT real-time status).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct PrinterStatus {
    /// It takes data (not offline).
    pub online: bool,
    /// The cover is open.
    pub cover_open: bool,
    /// The paper roll is out.
    pub paper_out: bool,
    /// The paper roll is nearly out.
    pub paper_near_end: bool,
    /// It stopped on an error.
    pub error: bool,
    /// The drawer-open sensor (connector pin 3) reads high.
    pub drawer_pin_high: bool,
}

impl PrinterStatus {
    /// One word for the status bar: `ready`, `paper out`, `cover open`, `offline`, `error`.
    pub fn summary(&self) -> &'static str {
        if self.paper_out {
            "paper out"
        } else if self.cover_open {
            "cover open"
        } else if self.error {
            "error"
        } else if !self.online {
            "offline"
        } else {
            "ready"
        }
    }
}

/// Asks the printer at `url` for its real-time status: DLE EOT 1 (printer), 2 (offline
/// cause), 4 (paper sensors). Each answer is one byte with bits 1 and 4 set, 0 and 7
/// clear; anything else is refused as not a status.
pub fn status(url: &str) -> Result<PrinterStatus, PrintError> {
    let io = |error| PrintError::Io { url: url.to_string(), error };
    let mut stream = connect(url)?;
    let mut ask = |n: u8| -> Result<u8, PrintError> {
        stream.write_all(&[0x10, 0x04, n]).map_err(io)?;
        let mut b = [0u8; 1];
        stream.read_exact(&mut b).map_err(io)?;
        if b[0] & 0x93 != 0x12 {
            return Err(io(std::io::Error::other(format!("answered {:#04x} to DLE EOT {n}: not a status byte", b[0]))));
        }
        Ok(b[0])
    };
    let printer = ask(1)?;
    let offline = ask(2)?;
    let paper = ask(4)?;
    Ok(PrinterStatus {
        online: printer & 0x08 == 0,
        drawer_pin_high: printer & 0x04 != 0,
        cover_open: offline & 0x04 != 0,
        paper_out: offline & 0x20 != 0 || paper & 0x60 != 0,
        paper_near_end: paper & 0x0c != 0,
        error: offline & 0x40 != 0,
    })
}
