//! Getting bytes to a printer and its status back, over TCP (port 9100, "raw"/JetDirect),
//! a serial port, or a USB printer-class device (Linux `usblp`). Every transport has
//! timeouts on connecting and reading, so a printer that is off never hangs the caller.
//!
//! A printer is named by a URL, parsed into a [`PrinterUrl`]:
//!
//! * `tcp://HOST[:PORT]` — a host name or IP address (IPv6 in brackets); the port is 9100
//!   when left out.
//! * `serial://PATH[?baud=N]` — e.g. `serial:///dev/ttyUSB0?baud=19200`; 9600 baud when
//!   left out, always 8 data bits, no parity, 1 stop bit (8N1) and no flow control.
//! * `usb://VID:PID` — the USB vendor and product ids in hex as `lsusb` shows them, e.g.
//!   `usb://04b8:0e28`; the kernel's `usblp` node (`/dev/usb/lpN`) of that printer is used.

use std::fmt;
use std::io;
use std::time::Duration;

mod serial;
mod tcp;
mod usb;

/// How long a TCP connection may take to open, per address the host name resolves to.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long one write may wait for the printer (TCP and serial).
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long the printer has to answer a status query.
const READ_TIMEOUT: Duration = Duration::from_secs(2);
/// The raw printing port of network printers.
const DEFAULT_TCP_PORT: u16 = 9100;
/// The speed of a serial printer whose URL names none: the usual factory setting.
const DEFAULT_BAUD: u32 = 9600;

/// Why printing failed.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// The printer address is in none of the forms Till knows.
    #[error("printer '{0}': expected tcp://HOST[:PORT], serial://PATH[?baud=N] or usb://VID:PID")]
    BadUrl(String),
    /// The printer address has a known form but something in it is wrong.
    #[error("printer '{url}': {reason}")]
    InvalidUrl {
        /// The address as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The printer could not be reached or stopped taking data.
    #[error("printer {url}: {error}")]
    Io {
        /// Where.
        url: String,
        /// What happened.
        error: io::Error,
    },
}

/// Where a printer is: a parsed printer URL (see the module documentation for the forms).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PrinterUrl {
    /// A network printer taking raw print data on a TCP port.
    Tcp {
        /// Host name or IP address (an IPv6 address without its brackets).
        host: String,
        /// TCP port; 9100 unless the URL names another.
        port: u16,
    },
    /// A printer on a serial port, 8N1 without flow control.
    Serial {
        /// The device, e.g. `/dev/ttyUSB0` (or `COM3` on Windows).
        path: String,
        /// Bits per second; 9600 unless the URL names another.
        baud: u32,
    },
    /// A USB printer-class device, found by its ids among the kernel's `usblp` devices.
    Usb {
        /// USB vendor id (`idVendor`).
        vendor: u16,
        /// USB product id (`idProduct`).
        product: u16,
    },
}

impl PrinterUrl {
    /// Parses `tcp://HOST[:PORT]`, `serial://PATH[?baud=N]` or `usb://VID:PID`. The error
    /// says what is wrong with the address.
    pub fn parse(url: &str) -> Result<PrinterUrl, PrintError> {
        let invalid = |reason: String| PrintError::InvalidUrl { url: url.to_string(), reason };
        let (scheme, rest) = url.split_once("://").ok_or_else(|| PrintError::BadUrl(url.to_string()))?;
        match scheme.to_ascii_lowercase().as_str() {
            "tcp" => parse_tcp(rest.strip_suffix('/').unwrap_or(rest)).map_err(invalid),
            "serial" => parse_serial(rest).map_err(invalid),
            "usb" => parse_usb(rest.strip_suffix('/').unwrap_or(rest)).map_err(invalid),
            _ => Err(PrintError::BadUrl(url.to_string())),
        }
    }
}

impl std::str::FromStr for PrinterUrl {
    type Err = PrintError;

    fn from_str(url: &str) -> Result<PrinterUrl, PrintError> {
        PrinterUrl::parse(url)
    }
}

/// The URL in its full form, with the defaults written out: `tcp://printer:9100`,
/// `serial:///dev/ttyUSB0?baud=9600`, `usb://04b8:0e28`.
impl fmt::Display for PrinterUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrinterUrl::Tcp { host, port } if host.contains(':') => write!(f, "tcp://[{host}]:{port}"),
            PrinterUrl::Tcp { host, port } => write!(f, "tcp://{host}:{port}"),
            PrinterUrl::Serial { path, baud } => write!(f, "serial://{path}?baud={baud}"),
            PrinterUrl::Usb { vendor, product } => write!(f, "usb://{vendor:04x}:{product:04x}"),
        }
    }
}

fn parse_tcp(rest: &str) -> Result<PrinterUrl, String> {
    let (host, port) = if let Some(bracketed) = rest.strip_prefix('[') {
        let (host, after) = bracketed.split_once(']').ok_or("'[' of an IPv6 address without its ']'")?;
        match after {
            "" => (host, None),
            _ => (host, Some(after.strip_prefix(':').ok_or_else(|| format!("unexpected '{after}' after ']'"))?)),
        }
    } else {
        match rest.rsplit_once(':') {
            Some((host, _)) if host.contains(':') => {
                return Err("an IPv6 address goes in brackets, e.g. tcp://[fe80::1]:9100".to_string());
            }
            Some((host, port)) => (host, Some(port)),
            None => (rest, None),
        }
    };
    if host.is_empty() {
        return Err("no host name".to_string());
    }
    if let Some(c) = host.chars().find(|c| c.is_whitespace() || "/?#@[]".contains(*c)) {
        return Err(format!("host name '{host}' contains {c:?}"));
    }
    let port = match port {
        None => DEFAULT_TCP_PORT,
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n != 0 && p.bytes().all(|b| b.is_ascii_digit()) => n,
            _ => return Err(format!("port '{p}' is not a number from 1 to 65535")),
        },
    };
    Ok(PrinterUrl::Tcp { host: host.to_string(), port })
}

fn parse_serial(rest: &str) -> Result<PrinterUrl, String> {
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() {
        return Err("no device path (e.g. serial:///dev/ttyUSB0)".to_string());
    }
    let mut baud = DEFAULT_BAUD;
    for option in query.split('&').filter(|o| !o.is_empty()) {
        match option.split_once('=') {
            Some(("baud", value)) => {
                baud = match value.parse::<u32>() {
                    Ok(n) if n != 0 && value.bytes().all(|b| b.is_ascii_digit()) => n,
                    _ => return Err(format!("baud rate '{value}' is not a positive number")),
                }
            }
            _ => return Err(format!("unknown option '{option}' (the one option is baud=N)")),
        }
    }
    Ok(PrinterUrl::Serial { path: path.to_string(), baud })
}

fn parse_usb(rest: &str) -> Result<PrinterUrl, String> {
    let (vendor, product) = rest
        .split_once(':')
        .ok_or_else(|| format!("expected usb://VID:PID in hex, e.g. usb://04b8:0e28, not '{rest}'"))?;
    let hex = |what: &str, s: &str| -> Result<u16, String> {
        match u16::from_str_radix(s, 16) {
            Ok(n) if s.len() == 4 && s.bytes().all(|b| b.is_ascii_hexdigit()) => Ok(n),
            _ => Err(format!("{what} id '{s}' is not 4 hex digits")),
        }
    };
    Ok(PrinterUrl::Usb { vendor: hex("vendor", vendor)?, product: hex("product", product)? })
}

/// One open transport: bytes out, single status bytes back.
trait Link: Send {
    /// Writes all of `bytes`.
    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()>;
    /// Pushes out whatever is buffered.
    fn flush(&mut self) -> io::Result<()>;
    /// Reads one byte, waiting at most `timeout` (an error of kind `TimedOut` after that).
    fn read_byte(&mut self, timeout: Duration) -> io::Result<u8>;
}

/// The error for a status query the printer left unanswered.
fn no_answer(timeout: Duration) -> io::Error {
    io::Error::new(io::ErrorKind::TimedOut, format!("no answer within {} ms", timeout.as_millis()))
}

/// An open connection to a printer over any of the transports: bytes out with
/// [`write_all`](Connection::write_all) and [`flush`](Connection::flush), status bytes
/// back with [`read_byte`](Connection::read_byte) or a whole [`status`](Connection::status).
pub struct Connection {
    url: String,
    link: Box<dyn Link>,
}

impl fmt::Debug for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection").field("url", &self.url).finish_non_exhaustive()
    }
}

impl Connection {
    /// Opens the printer at `url` (see [`PrinterUrl::parse`]). TCP connects within 3 s to
    /// one of the addresses the host resolves to; serial opens the port exclusively;
    /// USB opens the `usblp` node of the first plugged-in printer with those ids.
    pub fn open(url: &str) -> Result<Connection, PrintError> {
        let parsed = PrinterUrl::parse(url)?;
        let io = |error| PrintError::Io { url: url.to_string(), error };
        let link: Box<dyn Link> = match parsed {
            PrinterUrl::Tcp { host, port } => Box::new(tcp::Tcp::connect(host, port).map_err(io)?),
            PrinterUrl::Serial { path, baud } => Box::new(serial::Serial::open(&path, baud).map_err(io)?),
            PrinterUrl::Usb { vendor, product } => Box::new(usb::Usb::open(vendor, product).map_err(io)?),
        };
        Ok(Connection { url: url.to_string(), link })
    }

    /// The printer's URL as it was given to [`open`](Connection::open).
    pub fn url(&self) -> &str {
        &self.url
    }

    fn io(&self, error: io::Error) -> PrintError {
        PrintError::Io { url: self.url.clone(), error }
    }

    /// Writes all of `bytes` to the printer. Over TCP, a connection the printer has
    /// dropped (or reset before taking any of these bytes) is opened again once.
    pub fn write_all(&mut self, bytes: &[u8]) -> Result<(), PrintError> {
        self.link.write_all(bytes).map_err(|e| self.io(e))
    }

    /// Pushes out anything still buffered (on a serial port: waits until it is sent).
    pub fn flush(&mut self) -> Result<(), PrintError> {
        self.link.flush().map_err(|e| self.io(e))
    }

    /// Reads one byte from the printer, failing with an I/O error of kind `TimedOut`
    /// when none comes within `timeout`.
    pub fn read_byte(&mut self, timeout: Duration) -> Result<u8, PrintError> {
        self.link.read_byte(timeout).map_err(|e| self.io(e))
    }

    /// Asks the printer for its real-time status: DLE EOT 1 (printer), 2 (offline cause),
    /// 4 (paper sensors), each answer within 2 s. Each answer is one byte with bits 1 and
    /// 4 set, 0 and 7 clear; anything else is refused as not a status.
    pub fn status(&mut self) -> Result<PrinterStatus, PrintError> {
        let printer = self.ask(1)?;
        let offline = self.ask(2)?;
        let paper = self.ask(4)?;
        Ok(PrinterStatus {
            online: printer & 0x08 == 0,
            drawer_pin_high: printer & 0x04 != 0,
            cover_open: offline & 0x04 != 0,
            paper_out: offline & 0x20 != 0 || paper & 0x60 != 0,
            paper_near_end: paper & 0x0c != 0,
            error: offline & 0x40 != 0,
        })
    }

    fn ask(&mut self, n: u8) -> Result<u8, PrintError> {
        self.write_all(&[0x10, 0x04, n])?;
        self.flush()?;
        let b = self.read_byte(READ_TIMEOUT)?;
        if b & 0x93 != 0x12 {
            return Err(self.io(io::Error::other(format!("answered {b:#04x} to DLE EOT {n}: not a status byte"))));
        }
        Ok(b)
    }
}

/// Sends `bytes` to the printer at `url` (`tcp://HOST[:PORT]`, `serial://PATH[?baud=N]`
/// or `usb://VID:PID`) and closes the connection.
pub fn send(url: &str, bytes: &[u8]) -> Result<(), PrintError> {
    let mut connection = Connection::open(url)?;
    connection.write_all(bytes)?;
    connection.flush()
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
    Connection::open(url)?.status()
}

#[cfg(test)]
mod tests;
