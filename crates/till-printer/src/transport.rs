//! Getting bytes to a printer. TCP (port 9100, "raw"/JetDirect) today, with connect and
//! write timeouts so a printer that is off never hangs the caller.

use std::io::Write;
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

/// Sends `bytes` to the printer at `url` (`tcp://HOST:PORT`).
pub fn send(url: &str, bytes: &[u8]) -> Result<(), PrintError> {
    let host = url.strip_prefix("tcp://").ok_or_else(|| PrintError::BadUrl(url.to_string()))?;
    let io = |error| PrintError::Io { url: url.to_string(), error };
    let addr = host.to_socket_addrs().map_err(io)?.next().ok_or_else(|| PrintError::BadUrl(url.to_string()))?;
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(3)).map_err(io)?;
    stream.set_write_timeout(Some(Duration::from_secs(5))).map_err(io)?;
    stream.write_all(bytes).map_err(io)?;
    stream.flush().map_err(io)?;
    Ok(())
}
