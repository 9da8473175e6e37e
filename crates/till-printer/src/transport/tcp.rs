//! Raw printing over TCP (JetDirect, port 9100).

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use super::{CONNECT_TIMEOUT, Link, READ_TIMEOUT, WRITE_TIMEOUT, no_answer};

/// A TCP connection that can open itself again: printers drop connections that sit idle.
pub(super) struct Tcp {
    host: String,
    port: u16,
    stream: TcpStream,
    /// Something was written on this connection (so it may since have gone idle).
    used: bool,
}

/// Opens a connection to `host:port`, trying every address the name resolves to in turn,
/// each within the connect timeout; the error names the last address tried.
fn connect(host: &str, port: u16) -> io::Result<TcpStream> {
    let addrs: Vec<SocketAddr> = (host, port).to_socket_addrs()?.collect();
    let mut failure = io::Error::new(io::ErrorKind::NotFound, format!("'{host}' resolves to no address"));
    for addr in addrs {
        match TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT) {
            Ok(stream) => {
                stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
                stream.set_read_timeout(Some(READ_TIMEOUT))?;
                return Ok(stream);
            }
            Err(e) => failure = io::Error::new(e.kind(), format!("connecting to {addr}: {e}")),
        }
    }
    Err(failure)
}

/// A printer dropping a connection shows as one of these on the next write.
fn is_dropped(e: &io::Error) -> bool {
    matches!(e.kind(), io::ErrorKind::BrokenPipe | io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionAborted)
}

/// Writes as much of `bytes` as goes, returning how much did alongside any error.
fn write_counted(stream: &mut TcpStream, bytes: &[u8]) -> (usize, io::Result<()>) {
    let mut sent = 0;
    while sent < bytes.len() {
        match stream.write(&bytes[sent..]) {
            Ok(0) => return (sent, Err(io::Error::from(io::ErrorKind::WriteZero))),
            Ok(n) => sent += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return (sent, Err(e)),
        }
    }
    (sent, Ok(()))
}

impl Tcp {
    pub(super) fn connect(host: String, port: u16) -> io::Result<Tcp> {
        let stream = connect(&host, port)?;
        Ok(Tcp { host, port, stream, used: false })
    }

    /// Whether the printer has closed or reset this connection, looked at without
    /// waiting or taking any byte it sent.
    pub(super) fn peer_closed(&self) -> bool {
        if self.stream.set_nonblocking(true).is_err() {
            return false;
        }
        let mut b = [0u8; 1];
        let closed = match self.stream.peek(&mut b) {
            Ok(0) => true,
            Ok(_) => false,
            Err(e) => e.kind() != io::ErrorKind::WouldBlock && e.kind() != io::ErrorKind::Interrupted,
        };
        // Should this fail, the next write fails with WouldBlock and says so.
        let _ = self.stream.set_nonblocking(false);
        closed
    }

    fn reconnect(&mut self) -> io::Result<()> {
        self.stream = connect(&self.host, self.port)?;
        Ok(())
    }
}

impl Link for Tcp {
    /// Before writing on a connection that has been used, checks the printer has not
    /// dropped it meanwhile and opens it again if so. Otherwise a write failing with a
    /// broken pipe or reset before any of `bytes` went out is retried once on a new
    /// connection; one failing part way is not (the printer may have printed the first
    /// part). At most one reconnect per call.
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        let mut reconnected = false;
        if self.used && self.peer_closed() {
            self.reconnect()?;
            reconnected = true;
        }
        self.used = true;
        match write_counted(&mut self.stream, bytes) {
            (0, Err(e)) if is_dropped(&e) && !reconnected => {
                self.reconnect()?;
                self.stream.write_all(bytes)
            }
            (_, result) => result,
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }

    fn read_byte(&mut self, timeout: Duration) -> io::Result<u8> {
        self.stream.set_read_timeout(Some(timeout.max(Duration::from_millis(1))))?;
        let mut b = [0u8; 1];
        loop {
            return match self.stream.read(&mut b) {
                Ok(0) => Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the printer closed the connection")),
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
