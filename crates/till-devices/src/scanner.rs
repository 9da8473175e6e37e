//! A barcode scanner on a serial port (USB CDC): each scan is one line, ended by CR
//! and/or LF, possibly with an AIM symbology identifier in front (the scanner's setting);
//! the line is handed to the barcode reader as sent, group separators included.

use std::io::Read;
use std::time::Duration;

/// Why no scan was read.
#[derive(Debug, thiserror::Error)]
pub enum ScannerError {
    /// The port failed, or nothing arrived in time.
    #[error("scanner on {port}: {message}")]
    Port {
        /// The serial port.
        port: String,
        /// What happened.
        message: String,
    },
}

/// A serial scanner.
pub struct SerialScanner {
    path: String,
    port: Box<dyn serialport::SerialPort>,
    pending: Vec<u8>,
}

/// The longest line taken as one scan (a GS1 DataMatrix holds up to ~2,300 characters).
const MAX_SCAN: usize = 4096;

impl SerialScanner {
    /// Opens the scanner on `path` (9600 8N1, the usual USB CDC default), waiting at most
    /// `timeout` for each scan.
    pub fn open(path: &str, timeout: Duration) -> Result<SerialScanner, ScannerError> {
        let port = serialport::new(path, 9600)
            .timeout(timeout)
            .open()
            .map_err(|e| ScannerError::Port { port: path.to_string(), message: e.to_string() })?;
        Ok(SerialScanner { path: path.to_string(), port, pending: Vec::new() })
    }

    /// The next scan (without its line ending). Bytes that are not UTF-8 are replaced.
    pub fn next_scan(&mut self) -> Result<String, ScannerError> {
        let mut buf = [0u8; 256];
        loop {
            if let Some(end) = self.pending.iter().position(|b| *b == b'\r' || *b == b'\n') {
                let line: Vec<u8> = self.pending.drain(..=end).take(end).collect();
                if line.is_empty() {
                    continue; // the LF of a CR LF
                }
                return Ok(String::from_utf8_lossy(&line).into_owned());
            }
            if self.pending.len() > MAX_SCAN {
                self.pending.clear();
            }
            let n = self
                .port
                .read(&mut buf)
                .map_err(|e| ScannerError::Port { port: self.path.clone(), message: e.to_string() })?;
            self.pending.extend_from_slice(&buf[..n]);
        }
    }
}
