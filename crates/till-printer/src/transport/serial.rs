//! Printing over a serial port: 8 data bits, no parity, 1 stop bit, no flow control.

use std::io::{self, Read, Write};
use std::time::Duration;

use serialport::{ClearBuffer, DataBits, FlowControl, Parity, SerialPort, StopBits};

use super::{Link, WRITE_TIMEOUT, no_answer};

/// An open serial port (exclusively: no other program can interleave its bytes).
pub(super) struct Serial {
    port: Box<dyn SerialPort>,
}

/// `error` from opening `path`, naming it, with a hint when it is about permissions.
fn open_error(path: &str, error: io::Error) -> io::Error {
    let hint = match error.kind() {
        io::ErrorKind::PermissionDenied => {
            " (the user running Till needs to be in the group owning the port, usually `dialout`)"
        }
        _ => "",
    };
    io::Error::new(error.kind(), format!("opening {path}: {error}{hint}"))
}

impl Serial {
    pub(super) fn open(path: &str, baud: u32) -> io::Result<Serial> {
        let port = serialport::new(path, baud)
            .data_bits(DataBits::Eight)
            .parity(Parity::None)
            .stop_bits(StopBits::One)
            .flow_control(FlowControl::None)
            .timeout(WRITE_TIMEOUT)
            .open()
            .map_err(|e| open_error(path, e.into()))?;
        // Whatever came in before the port was set up (line noise, an old answer) is not
        // an answer to anything asked now.
        port.clear(ClearBuffer::Input).map_err(io::Error::from)?;
        Ok(Serial { port })
    }
}

impl Link for Serial {
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.port.set_timeout(WRITE_TIMEOUT)?;
        self.port.write_all(bytes)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.port.flush()
    }

    fn read_byte(&mut self, timeout: Duration) -> io::Result<u8> {
        self.port.set_timeout(timeout.max(Duration::from_millis(1)))?;
        let mut b = [0u8; 1];
        loop {
            return match self.port.read(&mut b) {
                Ok(0) => Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the serial port closed")),
                Ok(_) => Ok(b[0]),
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut) => {
                    Err(no_answer(timeout))
                }
                Err(e) => Err(e),
            };
        }
    }
}
