//! Scales. The Toledo 8217 protocol: the register sends `W`; the scale answers
//! `STX weight CR` (`\x0200.410\r`, kilograms; `\x0200.410N\r` when the scale holds a tare
//! and the weight is net) when the weight is stable and not negative, else
//! `STX ? status CR` with bits for motion (0x01), over capacity (0x02), under zero (0x04)
//! and a command it does not know (0x40). A weight in motion, below zero or over capacity is
//! refused: only a stable weight may price a line. Zero and tare are the scale's own keys;
//! the protocol has no command for them, so [`Scale::zero`] on a Toledo 8217 says so.

use std::io::{Read, Write};
use std::time::Duration;

use rust_decimal::Decimal;

/// Why no weight was read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ScaleError {
    /// The weight is still moving.
    #[error("the weight is not stable yet; wait for the scale to settle")]
    Motion,
    /// Below zero: the scale needs zeroing (or a tare is wrong).
    #[error("the scale reads below zero; zero it (empty platter) and weigh again")]
    UnderZero,
    /// More than the scale can weigh.
    #[error("over the scale's capacity")]
    OverCapacity,
    /// The scale does not take that command over its serial line.
    #[error("the scale does not {0} over its serial line; press its {1} key")]
    Unsupported(&'static str, &'static str),
    /// An answer that is not the protocol's.
    #[error("the scale answered {0:?}: not a Toledo 8217 reply")]
    Garbled(Vec<u8>),
    /// The port failed or the scale did not answer.
    #[error("scale on {port}: {message}")]
    Port {
        /// The serial port.
        port: String,
        /// What happened.
        message: String,
    },
}

/// A scale the register weighs with.
pub trait Scale {
    /// A stable, non-negative weight in kilograms.
    fn weigh(&mut self) -> Result<Decimal, ScaleError>;
    /// Zeroes the scale (an empty platter reads 0).
    fn zero(&mut self) -> Result<(), ScaleError>;
}

/// Reads one Toledo 8217 reply to `W`.
pub fn parse_toledo(reply: &[u8]) -> Result<Decimal, ScaleError> {
    let garbled = || ScaleError::Garbled(reply.to_vec());
    let body = reply.strip_prefix(&[0x02]).and_then(|r| r.strip_suffix(b"\r")).ok_or_else(garbled)?;
    match body {
        [b'?', status] => Err(if status & 0x01 != 0 {
            ScaleError::Motion
        } else if status & 0x04 != 0 {
            ScaleError::UnderZero
        } else if status & 0x02 != 0 {
            ScaleError::OverCapacity
        } else {
            garbled()
        }),
        weight => {
            let digits = weight.strip_suffix(b"N").unwrap_or(weight);
            let text = std::str::from_utf8(digits).map_err(|_| garbled())?;
            if !text.bytes().all(|b| b.is_ascii_digit() || b == b'.') || !text.contains('.') {
                return Err(garbled());
            }
            Decimal::from_str_exact(text).map(|d| d.normalize()).map_err(|_| garbled())
        }
    }
}

/// A Toledo 8217 scale on a serial port (9600 baud, 7 data bits, even parity, as the
/// protocol specifies).
pub struct Toledo8217 {
    path: String,
    port: Box<dyn serialport::SerialPort>,
}

impl Toledo8217 {
    /// Opens the scale on `path` (`/dev/ttyUSB0`, `/dev/ttyS0`…).
    pub fn open(path: &str) -> Result<Toledo8217, ScaleError> {
        let port = serialport::new(path, 9600)
            .data_bits(serialport::DataBits::Seven)
            .parity(serialport::Parity::Even)
            .stop_bits(serialport::StopBits::One)
            .timeout(Duration::from_secs(2))
            .open()
            .map_err(|e| ScaleError::Port { port: path.to_string(), message: e.to_string() })?;
        Ok(Toledo8217 { path: path.to_string(), port })
    }

    fn ask(&mut self, command: u8) -> Result<Vec<u8>, ScaleError> {
        let port_err = |e: std::io::Error| ScaleError::Port { port: self.path.clone(), message: e.to_string() };
        self.port.write_all(&[command]).map_err(port_err)?;
        let mut reply = Vec::new();
        let mut byte = [0u8; 1];
        while reply.last() != Some(&b'\r') {
            self.port
                .read_exact(&mut byte)
                .map_err(|e| ScaleError::Port { port: self.path.clone(), message: e.to_string() })?;
            reply.push(byte[0]);
            if reply.len() > 32 {
                return Err(ScaleError::Garbled(reply));
            }
        }
        Ok(reply)
    }
}

impl Scale for Toledo8217 {
    fn weigh(&mut self) -> Result<Decimal, ScaleError> {
        let reply = self.ask(b'W')?;
        parse_toledo(&reply)
    }

    fn zero(&mut self) -> Result<(), ScaleError> {
        match self.ask(b'Z')?.as_slice() {
            [0x02, b'?', status, b'\r'] if status & 0x40 != 0 => Err(ScaleError::Unsupported("zero", "ZERO")),
            _ => Ok(()),
        }
    }
}

/// A scale that reads what it is told (tests and demos).
pub struct FixedScale(pub Result<Decimal, ScaleError>);

impl Scale for FixedScale {
    fn weigh(&mut self) -> Result<Decimal, ScaleError> {
        self.0.clone()
    }
    fn zero(&mut self) -> Result<(), ScaleError> {
        self.0 = Ok(Decimal::ZERO);
        Ok(())
    }
}

impl Clone for ScaleError {
    fn clone(&self) -> Self {
        match self {
            ScaleError::Motion => ScaleError::Motion,
            ScaleError::UnderZero => ScaleError::UnderZero,
            ScaleError::OverCapacity => ScaleError::OverCapacity,
            ScaleError::Garbled(b) => ScaleError::Garbled(b.clone()),
            ScaleError::Unsupported(what, key) => ScaleError::Unsupported(what, key),
            ScaleError::Port { port, message } => ScaleError::Port { port: port.clone(), message: message.clone() },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replies() {
        assert_eq!(parse_toledo(b"\x0200.410\r"), Ok(Decimal::new(41, 2)));
        assert_eq!(parse_toledo(b"\x0212.345\r"), Ok(Decimal::new(12345, 3)));
        assert_eq!(parse_toledo(b"\x02?\x01\r"), Err(ScaleError::Motion));
        assert_eq!(parse_toledo(b"\x02?\x04\r"), Err(ScaleError::UnderZero));
        assert_eq!(parse_toledo(b"\x02?\x02\r"), Err(ScaleError::OverCapacity));
        assert_eq!(parse_toledo(b"\x0200.500N\r"), Ok(Decimal::new(5, 1)), "net of the scale's tare");
        assert!(matches!(parse_toledo(b"\x02?\x40\r"), Err(ScaleError::Garbled(_))));
        assert!(matches!(parse_toledo(b"00.410\r"), Err(ScaleError::Garbled(_))));
        assert!(matches!(parse_toledo(b"\x02-0.100\r"), Err(ScaleError::Garbled(_))));
        assert!(matches!(parse_toledo(b"\x02?P\r"), Err(ScaleError::Garbled(_))));
        let mut s = FixedScale(Err(ScaleError::Motion));
        assert_eq!(s.weigh(), Err(ScaleError::Motion));
        s.zero().unwrap();
        assert_eq!(s.weigh(), Ok(Decimal::ZERO));
    }
}
