//! The customer pole display: two lines of 20 characters facing the customer (the item
//! just scanned and its price, then the total and the change). Two command sets are in
//! the field, chosen per display by [`DisplayProtocol`]:
//!
//! - **Epson** (DM-D series, "ESC/POS customer display"): each update is
//!   `ESC @` (0x1B 0x40: initialize, blank screen), `ESC t n` (0x1B 0x74 n: the code page,
//!   Epson numbering, which resets with `ESC @`), `US MD1` (0x1F 0x01: overwrite mode, so a
//!   full line never scrolls the screen), then for each line `US $ 1 row` (0x1F 0x24 0x01
//!   row: cursor to column 1 of row 1 or 2) and its 20 characters.
//! - **CD5220** (and its many clones): `ESC @`, `ESC t n`, then `ESC Q A` (0x1B 0x51
//!   0x41) + the 20 characters of the upper line + CR (0x0D), and `ESC Q B` + the lower
//!   line + CR. `ESC Q A/B` writes a whole line wherever the cursor is, in any mode.
//!
//! Every update is a whole, self-contained frame (reset, page, both lines padded to 20
//! columns): a display that was power-cycled, or saw half a frame when a cable was pulled,
//! is right again at the next update, and nothing depends on what was sent before. A
//! frame is 55 bytes (Epson) or 53 (CD5220), about 60 ms at 9600 baud. Clearing is
//! `ESC @` + `CLR` (0x0C: blank and cursor home), which both sets understand.
//!
//! Text goes out in the display's code page through `till_printer::encode` (never raw
//! UTF-8): characters the page lacks are transliterated (`€` → `EUR` in CP437) or become
//! their base letter, and decomposed input is composed first so `e` + combining acute is
//! one column. One byte is one column. A line of more than 20 characters is cut at the
//! end; a line of 20 or fewer that grew past 20 columns in the page gives the extra
//! columns back from its widest runs of spaces, then from the end of what stands before
//! its last word, so a right-aligned price that grew by transliteration stays whole.
//! Control characters become spaces, so a name can never smuggle a command to the
//! display.
//!
//! `ESC t n` is sent in both sets with the Epson numbering of `till_printer::PAGES`
//! (CP437 = 0, CP850 = 2, CP858 = 19…); a CD5220 clone that ignores it shows its built-in
//! table, usually CP437, so configure CP437 for such a display.
//!
//! Transports: a serial port (`serial:///dev/ttyUSB1?baud=9600`, 8N1, no flow control) or
//! TCP to a network display or serial server (`tcp://HOST:PORT`). Connecting and writing
//! time out after a second, and after a failed reconnect the display is left alone for ten
//! seconds (updates fail at once), so an unplugged display costs an update about a second
//! at worst, once in ten seconds, and never hangs a sale: the caller logs the error and
//! sells on. A network connection the far end closed is noticed before writing, and the
//! frame goes out whole on a new one.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::str::FromStr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use till_printer::CodePage;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Characters on one line of the display.
pub const COLUMNS: usize = 20;

const ESC: u8 = 0x1b;
const US: u8 = 0x1f;
const CLR: u8 = 0x0c;
const CR: u8 = 0x0d;

/// How long connecting to a network display may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// How long one frame may take to write before the display counts as gone.
const WRITE_TIMEOUT: Duration = Duration::from_secs(1);
/// After a failed (re)connect, no new attempt before this: a display that is gone costs
/// later updates nothing.
const RETRY_AFTER: Duration = Duration::from_secs(10);

/// The command set a display speaks (set per display in the configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DisplayProtocol {
    /// CD5220 and compatibles: lines written with `ESC Q A` / `ESC Q B` … CR.
    Cd5220,
    /// Epson DM-D ("ESC/POS" customer display): lines written after `US $ x y`.
    Epson,
}

impl DisplayProtocol {
    /// Its name in configuration: `cd5220` or `epson`.
    pub fn name(self) -> &'static str {
        match self {
            DisplayProtocol::Cd5220 => "cd5220",
            DisplayProtocol::Epson => "epson",
        }
    }
}

impl std::fmt::Display for DisplayProtocol {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for DisplayProtocol {
    type Err = DisplayError;

    /// `cd5220`, or `epson` (also `escpos`, `esc/pos`, `dm-d`); case-insensitive.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "cd5220" => Ok(DisplayProtocol::Cd5220),
            "epson" | "escpos" | "esc/pos" | "dm-d" => Ok(DisplayProtocol::Epson),
            _ => Err(DisplayError::UnknownProtocol(s.to_string())),
        }
    }
}

/// Why the display was not updated.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum DisplayError {
    /// The display address is not one Till can use.
    #[error("customer display '{url}': {problem}")]
    BadUrl {
        /// The address as configured.
        url: String,
        /// What is wrong with it.
        problem: String,
    },
    /// A protocol name that is not `cd5220` or `epson`.
    #[error("customer display protocol '{0}': expected cd5220 or epson")]
    UnknownProtocol(String),
    /// The display could not be reached, or stopped taking data.
    #[error("customer display {target}: {message}")]
    Io {
        /// The port or address.
        target: String,
        /// What happened.
        message: String,
    },
}

/// A display the register shows the customer the current line and total on.
pub trait CustomerDisplay: Send {
    /// Shows two lines (each cut or padded to [`COLUMNS`]).
    fn show(&mut self, upper: &str, lower: &str) -> Result<(), DisplayError>;
    /// Blanks the display.
    fn clear(&mut self) -> Result<(), DisplayError>;
}

impl<D: CustomerDisplay + ?Sized> CustomerDisplay for Box<D> {
    fn show(&mut self, upper: &str, lower: &str) -> Result<(), DisplayError> {
        (**self).show(upper, lower)
    }
    fn clear(&mut self) -> Result<(), DisplayError> {
        (**self).clear()
    }
}

/// Text as the display can take it: composed (NFC), combining marks without a composed
/// form dropped (their base letter shows), invisible characters removed, control
/// characters (newlines, tabs, escapes) turned into spaces.
fn clean(text: &str) -> String {
    text.nfc()
        .filter(|c| !is_combining_mark(*c))
        .filter(|c| !matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2060}' | '\u{feff}'))
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// One line in the page's bytes, exactly [`COLUMNS`] long.
///
/// Text longer than a line is cut at the end. Text that fitted as characters but grew in
/// the page (`€` → `EUR`) was laid out for the display, typically a name and a
/// right-aligned price: the extra columns come first from its widest runs of spaces (down
/// to one space), then from the end of what stands before its last space (if the last
/// word fits with a character and a space before it), so the last word (the price) stays
/// whole and right-aligned.
fn line(text: &str, page: &CodePage) -> Vec<u8> {
    let text = clean(text);
    let laid_out = text.trim_end().chars().count() <= COLUMNS;
    let mut bytes = till_printer::encode(&text, page).bytes;
    while bytes.last() == Some(&b' ') {
        bytes.pop();
    }
    while laid_out && bytes.len() > COLUMNS {
        if let Some(at) = widest_gap(&bytes) {
            bytes.remove(at);
        } else if let Some(at) = bytes.iter().rposition(|b| *b == b' ')
            && at > 1
            && bytes.len() - at < COLUMNS
            && bytes[..at].iter().any(|b| *b != b' ')
        {
            bytes.remove(at - 1);
        } else {
            break;
        }
    }
    bytes.truncate(COLUMNS);
    bytes.resize(COLUMNS, b' ');
    bytes
}

/// Where the widest run of two or more spaces between other characters starts (the
/// first, of equally wide runs).
fn widest_gap(bytes: &[u8]) -> Option<usize> {
    let mut best: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b' ' {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && bytes[i] == b' ' {
            i += 1;
        }
        let len = i - start;
        let interior = start > 0 && i < bytes.len();
        if interior && len >= 2 && best.is_none_or(|(_, l)| len > l) {
            best = Some((start, len));
        }
    }
    best.map(|(start, _)| start)
}

/// The bytes that show `upper` and `lower` on a display speaking `protocol` in `page`
/// (see the module documentation for the commands). Each line is exactly 20 columns.
pub fn frame(protocol: DisplayProtocol, upper: &str, lower: &str, page: &CodePage) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    out.extend([ESC, b'@', ESC, b't', page.esc_t]);
    match protocol {
        DisplayProtocol::Epson => {
            out.extend([US, 0x01]);
            for (row, text) in [(1u8, upper), (2, lower)] {
                out.extend([US, b'$', 1, row]);
                out.extend(line(text, page));
            }
        }
        DisplayProtocol::Cd5220 => {
            for (which, text) in [(b'A', upper), (b'B', lower)] {
                out.extend([ESC, b'Q', which]);
                out.extend(line(text, page));
                out.push(CR);
            }
        }
    }
    out
}

/// The bytes that blank the display: `ESC @` and `CLR`, the same in both command sets.
pub fn clear_frame(protocol: DisplayProtocol) -> Vec<u8> {
    match protocol {
        DisplayProtocol::Epson | DisplayProtocol::Cd5220 => vec![ESC, b'@', CLR],
    }
}

/// `left` and `right` in exactly `width` characters: `right` (a price) right-aligned,
/// `left` (a name) cut to leave at least one space before it. A `right` of `width` or more
/// characters is all there is room for, and is cut. Counts characters, not bytes, so no
/// multibyte character is split; a character the display's page lacks may go out wider
/// (`€` → `EUR` in CP437), which [`frame`] makes up for by narrowing the gap.
pub fn two_columns(left: &str, right: &str, width: usize) -> String {
    let left: Vec<char> = clean(left).trim().chars().collect();
    let right: Vec<char> = clean(right).trim().chars().collect();
    if right.len() >= width {
        return right[..width].iter().collect();
    }
    let room = if right.is_empty() { width } else { width - right.len() - 1 };
    let name: String = left[..left.len().min(room)].iter().collect::<String>().trim_end().to_string();
    let gap = width - name.chars().count() - right.len();
    let mut out = name;
    out.extend(std::iter::repeat_n(' ', gap));
    out.extend(right);
    out
}

/// A transport: where the bytes go.
enum Transport {
    Serial { path: String, baud: u32 },
    Tcp { addrs: Vec<SocketAddr> },
}

/// An open connection.
enum Connection {
    Serial(Box<dyn serialport::SerialPort>),
    Tcp(TcpStream),
}

impl Transport {
    fn open(&self) -> io::Result<Connection> {
        match self {
            Transport::Serial { path, baud } => {
                let port = serialport::new(path, *baud)
                    .data_bits(serialport::DataBits::Eight)
                    .parity(serialport::Parity::None)
                    .stop_bits(serialport::StopBits::One)
                    .flow_control(serialport::FlowControl::None)
                    .timeout(WRITE_TIMEOUT)
                    .open()
                    .map_err(io::Error::other)?;
                Ok(Connection::Serial(port))
            }
            Transport::Tcp { addrs } => {
                let mut last = io::Error::new(io::ErrorKind::NotFound, "no address");
                for addr in addrs {
                    match TcpStream::connect_timeout(addr, CONNECT_TIMEOUT) {
                        Ok(stream) => {
                            stream.set_write_timeout(Some(WRITE_TIMEOUT))?;
                            stream.set_nodelay(true)?;
                            return Ok(Connection::Tcp(stream));
                        }
                        Err(e) => last = e,
                    }
                }
                Err(last)
            }
        }
    }
}

impl Connection {
    /// Whether the far end has closed a network connection (a serial server restarted,
    /// or closed an idle connection): writing into it would lose the frame silently.
    /// Anything the display sent is read and dropped.
    fn peer_closed(&mut self) -> bool {
        let Connection::Tcp(stream) = self else { return false };
        if stream.set_nonblocking(true).is_err() {
            return true;
        }
        let mut buf = [0u8; 256];
        let closed = loop {
            match stream.read(&mut buf) {
                Ok(0) => break true,
                Ok(_) => continue,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break false,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(_) => break true,
            }
        };
        stream.set_nonblocking(false).is_err() || closed
    }

    fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        match self {
            // No flush: on a serial port it is tcdrain, which has no timeout.
            Connection::Serial(port) => port.write_all(bytes),
            Connection::Tcp(stream) => stream.write_all(bytes),
        }
    }
}

/// A display behind a transport: connects, sends whole frames, reconnects after a failure
/// (at most every [`RETRY_AFTER`]).
struct Link {
    target: String,
    transport: Transport,
    protocol: DisplayProtocol,
    page: CodePage,
    connection: Option<Connection>,
    /// When a (re)connect last failed, and why.
    failed: Option<(Instant, String)>,
    retry_after: Duration,
}

impl Link {
    fn open(
        target: &str,
        transport: Transport,
        protocol: DisplayProtocol,
        page: CodePage,
    ) -> Result<Link, DisplayError> {
        let connection =
            transport.open().map_err(|e| DisplayError::Io { target: target.to_string(), message: e.to_string() })?;
        Ok(Link {
            target: target.to_string(),
            transport,
            protocol,
            page,
            connection: Some(connection),
            failed: None,
            retry_after: RETRY_AFTER,
        })
    }

    fn error(&self, message: String) -> DisplayError {
        DisplayError::Io { target: self.target.clone(), message }
    }

    fn send(&mut self, bytes: &[u8]) -> Result<(), DisplayError> {
        let mut lost = None;
        if let Some(mut connection) = self.connection.take() {
            if connection.peer_closed() {
                lost = Some("connection closed by the display".to_string());
            } else {
                match connection.send(bytes) {
                    Ok(()) => {
                        self.connection = Some(connection);
                        return Ok(());
                    }
                    Err(e) => lost = Some(e.to_string()),
                }
            }
        }
        if let Some((at, why)) = &self.failed
            && at.elapsed() < self.retry_after
        {
            let wait = self.retry_after.saturating_sub(at.elapsed()).as_secs() + 1;
            return Err(self.error(format!("unavailable ({why}); next attempt in {wait} s")));
        }
        // One fresh attempt: a new connection for the whole frame.
        let attempt = self.transport.open().and_then(|mut connection| {
            connection.send(bytes)?;
            Ok(connection)
        });
        match attempt {
            Ok(connection) => {
                self.connection = Some(connection);
                self.failed = None;
                Ok(())
            }
            Err(e) => {
                let why = match lost {
                    Some(lost) => format!("{lost}; reconnecting: {e}"),
                    None => e.to_string(),
                };
                self.failed = Some((Instant::now(), why.clone()));
                Err(self.error(why))
            }
        }
    }

    fn show(&mut self, upper: &str, lower: &str) -> Result<(), DisplayError> {
        let bytes = frame(self.protocol, upper, lower, &self.page);
        self.send(&bytes)
    }

    fn clear(&mut self) -> Result<(), DisplayError> {
        let bytes = clear_frame(self.protocol);
        self.send(&bytes)
    }
}

/// A display on a serial port (8 data bits, no parity, 1 stop bit, no flow control).
pub struct SerialDisplay(Link);

impl SerialDisplay {
    /// Opens the display on `path` (`/dev/ttyUSB1`, `COM3`) at `baud` (9600 is the
    /// factory setting of most), speaking `protocol`, text in `page`.
    pub fn open(
        path: &str,
        baud: u32,
        protocol: DisplayProtocol,
        page: CodePage,
    ) -> Result<SerialDisplay, DisplayError> {
        let transport = Transport::Serial { path: path.to_string(), baud };
        Link::open(path, transport, protocol, page).map(SerialDisplay)
    }
}

impl CustomerDisplay for SerialDisplay {
    fn show(&mut self, upper: &str, lower: &str) -> Result<(), DisplayError> {
        self.0.show(upper, lower)
    }
    fn clear(&mut self) -> Result<(), DisplayError> {
        self.0.clear()
    }
}

/// A display on the network, or on a serial server's raw TCP port.
pub struct TcpDisplay(Link);

impl TcpDisplay {
    /// Connects to the display at `addr` (`HOST:PORT`; the name is resolved once, here,
    /// so reconnecting never waits on DNS), speaking `protocol`, text in `page`.
    pub fn connect(addr: &str, protocol: DisplayProtocol, page: CodePage) -> Result<TcpDisplay, DisplayError> {
        let io = |message: String| DisplayError::Io { target: addr.to_string(), message };
        let addrs: Vec<SocketAddr> =
            addr.to_socket_addrs().map_err(|e| io(format!("cannot resolve the address: {e}")))?.collect();
        if addrs.is_empty() {
            return Err(io("the address resolves to nothing".to_string()));
        }
        Link::open(addr, Transport::Tcp { addrs }, protocol, page).map(TcpDisplay)
    }
}

impl CustomerDisplay for TcpDisplay {
    fn show(&mut self, upper: &str, lower: &str) -> Result<(), DisplayError> {
        self.0.show(upper, lower)
    }
    fn clear(&mut self) -> Result<(), DisplayError> {
        self.0.clear()
    }
}

/// A display address taken apart.
#[derive(Debug, PartialEq, Eq)]
enum Target {
    Serial { path: String, baud: u32 },
    Tcp { addr: String },
}

const URL_FORMS: &str = "expected serial:///dev/ttyUSB1?baud=9600 or tcp://HOST:PORT (both may add ?page=CP858)";

fn parse_url(url: &str) -> Result<(Target, CodePage), DisplayError> {
    let bad = |problem: String| DisplayError::BadUrl { url: url.to_string(), problem };
    let (scheme, rest) = url.trim().split_once("://").ok_or_else(|| bad(URL_FORMS.to_string()))?;
    let (place, query) = rest.split_once('?').unwrap_or((rest, ""));
    let mut baud = None;
    let mut page = None;
    for param in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = param.split_once('=').unwrap_or((param, ""));
        if value.is_empty() {
            return Err(bad(format!("parameter '{key}' has no value")));
        }
        let seen = match key {
            "baud" => baud.replace(value).is_some(),
            "page" => page.replace(value).is_some(),
            _ => return Err(bad(format!("unknown parameter '{key}' (known: baud, page)"))),
        };
        if seen {
            return Err(bad(format!("parameter '{key}' is given twice")));
        }
    }
    let page = match page {
        None => till_printer::page("CP437").ok_or_else(|| bad("CP437 is missing from till-printer".to_string()))?,
        Some(name) => till_printer::page(name).ok_or_else(|| {
            let known: Vec<&str> = till_printer::PAGES.iter().map(|p| p.name).collect();
            bad(format!("unknown code page '{name}' (known: {})", known.join(", ")))
        })?,
    };
    let target = match scheme.to_ascii_lowercase().as_str() {
        "serial" => {
            if place.is_empty() {
                return Err(bad("no serial port: expected serial:///dev/ttyUSB1".to_string()));
            }
            let baud = match baud {
                None => 9600,
                Some(b) => match b.parse::<u32>() {
                    Ok(b) if b > 0 => b,
                    _ => return Err(bad(format!("baud '{b}' is not a positive number (9600, 19200…)"))),
                },
            };
            Target::Serial { path: place.to_string(), baud }
        }
        "tcp" => {
            if baud.is_some() {
                return Err(bad("baud applies to serial displays only".to_string()));
            }
            if place.contains('/') {
                return Err(bad("a tcp address has no path: expected tcp://HOST:PORT".to_string()));
            }
            let (host, port) =
                place.rsplit_once(':').ok_or_else(|| bad("no port: expected tcp://HOST:PORT".to_string()))?;
            if host.is_empty() || host == "[]" {
                return Err(bad("no host: expected tcp://HOST:PORT".to_string()));
            }
            match port.parse::<u16>() {
                Ok(p) if p > 0 => {}
                _ => return Err(bad(format!("port '{port}' is not a number from 1 to 65535"))),
            }
            Target::Tcp { addr: place.to_string() }
        }
        other => return Err(bad(format!("unknown scheme '{other}': {URL_FORMS}"))),
    };
    Ok((target, page))
}

/// Opens the display at `url`: `serial:///dev/ttyUSB1?baud=9600` (9600 if not given) or
/// `tcp://HOST:PORT`, either with `page=NAME` for its code page (CP437 if not given; the
/// names of `till_printer::PAGES`). Errors name the URL and what is wrong with it, or why
/// the display could not be reached.
pub fn open_display(url: &str, protocol: DisplayProtocol) -> Result<Box<dyn CustomerDisplay>, DisplayError> {
    let (target, page) = parse_url(url)?;
    let relabel = |e: DisplayError| match e {
        DisplayError::Io { message, .. } => DisplayError::Io { target: url.to_string(), message },
        other => other,
    };
    Ok(match target {
        Target::Serial { path, baud } => {
            let mut display = SerialDisplay::open(&path, baud, protocol, page).map_err(relabel)?;
            display.0.target = url.to_string();
            Box::new(display)
        }
        Target::Tcp { addr } => {
            let mut display = TcpDisplay::connect(&addr, protocol, page).map_err(relabel)?;
            display.0.target = url.to_string();
            Box::new(display)
        }
    })
}

/// What a [`RecordingDisplay`] was shown.
#[derive(Debug, Default)]
struct Recorded {
    history: Vec<(String, String)>,
    unplugged: bool,
}

/// A display that remembers what it was shown (tests and demos). Clones share one record,
/// so a test keeps a clone while the register owns the other.
#[derive(Debug, Clone, Default)]
pub struct RecordingDisplay(Arc<Mutex<Recorded>>);

impl RecordingDisplay {
    /// A blank display.
    pub fn new() -> RecordingDisplay {
        RecordingDisplay::default()
    }

    fn record(&self) -> std::sync::MutexGuard<'_, Recorded> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The last two lines shown, as given (empty after a clear or before anything).
    pub fn shown(&self) -> (String, String) {
        self.record().history.last().cloned().unwrap_or_default()
    }

    /// Every update in order; a clear is two empty lines.
    pub fn history(&self) -> Vec<(String, String)> {
        self.record().history.clone()
    }

    /// While unplugged, every update fails (as a real display's would) and is not recorded.
    pub fn set_unplugged(&self, unplugged: bool) {
        self.record().unplugged = unplugged;
    }

    fn push(&self, upper: &str, lower: &str) -> Result<(), DisplayError> {
        let mut record = self.record();
        if record.unplugged {
            return Err(DisplayError::Io { target: "recording display".to_string(), message: "unplugged".to_string() });
        }
        record.history.push((upper.to_string(), lower.to_string()));
        Ok(())
    }
}

impl CustomerDisplay for RecordingDisplay {
    fn show(&mut self, upper: &str, lower: &str) -> Result<(), DisplayError> {
        self.push(upper, lower)
    }
    fn clear(&mut self) -> Result<(), DisplayError> {
        self.push("", "")
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use std::net::TcpListener;

    fn cp(name: &str) -> CodePage {
        till_printer::page(name).unwrap()
    }

    /// `text` padded to 20 bytes.
    fn padded(text: &[u8]) -> Vec<u8> {
        let mut v = text.to_vec();
        v.resize(20, b' ');
        v
    }

    #[test]
    fn epson_frame_bytes() {
        let got = frame(DisplayProtocol::Epson, "Coffee", "Total 4.50", &cp("CP437"));
        let mut want = vec![0x1b, 0x40, 0x1b, 0x74, 0x00, 0x1f, 0x01, 0x1f, 0x24, 0x01, 0x01];
        want.extend(b"Coffee              ");
        want.extend([0x1f, 0x24, 0x01, 0x02]);
        want.extend(b"Total 4.50          ");
        assert_eq!(got, want);
        assert_eq!(got.len(), 55);

        // The page's ESC t number; a character of the page as its byte.
        let got = frame(DisplayProtocol::Epson, "Café", "€1", &cp("CP858"));
        let mut want = vec![0x1b, 0x40, 0x1b, 0x74, 19, 0x1f, 0x01, 0x1f, 0x24, 0x01, 0x01];
        want.extend(padded(&[b'C', b'a', b'f', 0x82]));
        want.extend([0x1f, 0x24, 0x01, 0x02]);
        want.extend(padded(&[0xd5, b'1']));
        assert_eq!(got, want);
    }

    #[test]
    fn cd5220_frame_bytes() {
        let got = frame(DisplayProtocol::Cd5220, "Coffee", "Total 4.50", &cp("CP437"));
        let mut want = vec![0x1b, 0x40, 0x1b, 0x74, 0x00, 0x1b, 0x51, 0x41];
        want.extend(b"Coffee              ");
        want.extend([0x0d, 0x1b, 0x51, 0x42]);
        want.extend(b"Total 4.50          ");
        want.push(0x0d);
        assert_eq!(got, want);
        assert_eq!(got.len(), 53);

        let got = frame(DisplayProtocol::Cd5220, "", "", &cp("CP850"));
        let mut want = vec![0x1b, 0x40, 0x1b, 0x74, 0x02, 0x1b, 0x51, 0x41];
        want.extend([b' '; 20]);
        want.extend([0x0d, 0x1b, 0x51, 0x42]);
        want.extend([b' '; 20]);
        want.push(0x0d);
        assert_eq!(got, want);
    }

    #[test]
    fn clear_bytes() {
        assert_eq!(clear_frame(DisplayProtocol::Epson), [0x1b, 0x40, 0x0c]);
        assert_eq!(clear_frame(DisplayProtocol::Cd5220), [0x1b, 0x40, 0x0c]);
    }

    #[test]
    fn lines_are_cut_and_padded_to_twenty_columns() {
        let p = cp("CP437");
        assert_eq!(line("", &p), b"                    ");
        assert_eq!(line("Twenty-five characters!!", &p), b"Twenty-five characte");
        // Multibyte characters are cut as characters: é is 0x82 in CP437.
        let e = line(&"é".repeat(25), &p);
        assert_eq!(e, vec![0x82; 20]);
        // Four-byte characters (not in the page) never split or panic.
        assert_eq!(line(&"😀".repeat(30), &p), b"????????????????????");
        // Control characters are spaces: no command reaches the display through a name.
        assert_eq!(line("A\nB\rC\x1b@D\x0cE\tF", &p), b"A B C @D E F        ");
        // Composed before encoding: e + combining grave is one column, as è is.
        assert_eq!(line("Cre\u{300}me", &p), line("Crème", &p));
        assert_eq!(line("Cre\u{300}me", &p), padded(&[b'C', b'r', 0x8a, b'm', b'e']));
        // Invisible characters take no column.
        assert_eq!(line("A\u{200b}B\u{feff}C\u{ad}D", &p), b"ABCD                ");
        // Trailing spaces and leading ones (centring) as given.
        assert_eq!(line("   centred   ", &p), b"   centred          ");
        // Every frame of any text has the same length.
        for text in ["", "x", "€€€€€€€€€€€€€€€€€€€€€€€€", "Ελληνικά Москва 東京"]
        {
            for protocol in [DisplayProtocol::Epson, DisplayProtocol::Cd5220] {
                let len = if protocol == DisplayProtocol::Epson { 55 } else { 53 };
                assert_eq!(frame(protocol, text, text, &p).len(), len, "{protocol} {text}");
            }
        }
    }

    #[test]
    fn a_price_widened_by_transliteration_stays_whole() {
        let text = two_columns("Coffee", "€4.50", 20);
        assert_eq!(text, "Coffee         €4.50");
        // CP437 has no €: EUR is two columns wider, taken from the gap.
        assert_eq!(line(&text, &cp("CP437")), b"Coffee       EUR4.50");
        // CP858 has it: unchanged.
        let mut want = b"Coffee         ".to_vec();
        want.extend([0xd5, b'4', b'.', b'5', b'0']);
        assert_eq!(line(&text, &cp("CP858")), want);
        // The widest gap gives first, down to one space; then the end of what stands
        // before the last word.
        assert_eq!(line("ab   cd      €€€€", &cp("CP437")), b"ab  cd  EUREUREUREUR");
        let name_and_price = two_columns("Crème brûlée maison", "€4.50", 20);
        assert_eq!(name_and_price, "Crème brûlée m €4.50");
        let want = b"Cr\x8ame br\x96l\x82e EUR4.50".to_vec();
        assert_eq!(line(&name_and_price, &cp("CP437")), want);
        assert_eq!(line("Total €€€€€", &cp("CP437")), b"Tota EUREUREUREUREUR");
        // A last word wider than the line, or text longer than the line as given: cut.
        assert_eq!(line("ab €€€€€€€€", &cp("CP437")), b"ab EUREUREUREUREUREU");
        assert_eq!(line("€€€€€€€€", &cp("CP437")), b"EUREUREUREUREUREUREU");
        assert_eq!(line("Coffee with cream and €", &cp("CP437")), b"Coffee with cream an");
    }

    #[test]
    fn two_columns_layout() {
        assert_eq!(two_columns("Coffee", "4.50", 20), "Coffee          4.50");
        assert_eq!(two_columns("Extra large cappuccino", "4.50", 20), "Extra large cap 4.50");
        // A cut that ends in a space does not leave it before the gap.
        assert_eq!(two_columns("Extra largest cup", "14.50", 20), "Extra largest  14.50");
        assert_eq!(two_columns("Crème brûlée maison à la vanille", "€12,00", 20), "Crème brûlée  €12,00");
        assert_eq!(
            two_columns("東京ラーメン特製大盛りチャーシュー麺", "¥1200", 20),
            "東京ラーメン特製大盛りチャー ¥1200"
        );
        assert_eq!(two_columns("", "4.50", 20), "                4.50");
        assert_eq!(two_columns("TOTAL", "", 20), "TOTAL               ");
        assert_eq!(two_columns("Name", "123456789012345678901234", 20), "12345678901234567890");
        assert_eq!(two_columns("Name", "1234567890123456789", 20), " 1234567890123456789");
        assert_eq!(two_columns("Name", "x", 0), "");
        assert_eq!(two_columns("  Tea  ", " 2.00 ", 10), "Tea   2.00");
        assert_eq!(two_columns("Tea\nbag", "1", 10), "Tea bag  1");
        for (l, r, w) in [("Coffee", "4.50", 20), ("ÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅÅ", "€", 20), ("a", "b", 3), ("", "", 5)]
        {
            assert_eq!(two_columns(l, r, w).chars().count(), w, "{l} {r} {w}");
        }
    }

    #[test]
    fn text_the_page_lacks_is_transliterated_never_utf8() {
        let p = cp("CP437");
        // ó is in CP437 (0xA2); Ł → L, ź → z, ß is 0xE1, Ø → O.
        assert_eq!(
            line("Łódź Straße Ørsted", &p),
            padded(&[
                b'L', 0xa2, b'd', b'z', b' ', b'S', b't', b'r', b'a', 0xe1, b'e', b' ', b'O', b'r', b's', b't', b'e',
                b'd'
            ])
        );
        // Cyrillic is not in CP437: one ? a letter; in CP866 it is its page's bytes.
        assert_eq!(line("Москва", &p), b"??????              ");
        assert_eq!(line("Москва", &cp("CP866")), padded(&[0x8c, 0xae, 0xe1, 0xaa, 0xa2, 0xa0]));
        // Curly quotes and dashes.
        assert_eq!(line("“Tea” – 2×", &p), b"\"Tea\" - 2x          ");
        let f = frame(DisplayProtocol::Epson, "Ελληνικά Москва", "東京 €", &p);
        assert!(std::str::from_utf8(&f).is_err() || f.is_ascii(), "no UTF-8 goes out");
    }

    #[test]
    fn protocol_names() {
        assert_eq!("cd5220".parse::<DisplayProtocol>(), Ok(DisplayProtocol::Cd5220));
        assert_eq!("EPSON".parse::<DisplayProtocol>(), Ok(DisplayProtocol::Epson));
        assert_eq!("esc/pos".parse::<DisplayProtocol>(), Ok(DisplayProtocol::Epson));
        assert_eq!(DisplayProtocol::Cd5220.to_string(), "cd5220");
        let e = "vfd".parse::<DisplayProtocol>().unwrap_err();
        assert_eq!(e.to_string(), "customer display protocol 'vfd': expected cd5220 or epson");
    }

    fn bad_url(url: &str) -> String {
        match open_display(url, DisplayProtocol::Epson) {
            Err(e @ DisplayError::BadUrl { .. }) => e.to_string(),
            Err(other) => panic!("{url}: not a URL error: {other}"),
            Ok(_) => panic!("{url}: opened"),
        }
    }

    #[test]
    fn url_errors_name_the_url_and_the_problem() {
        for (url, problem) in [
            ("/dev/ttyUSB1", "expected serial:///dev/ttyUSB1?baud=9600 or tcp://HOST:PORT"),
            ("ftp://host:21", "unknown scheme 'ftp'"),
            ("serial://", "no serial port"),
            ("serial://?baud=9600", "no serial port"),
            ("serial:///dev/ttyUSB1?baud=fast", "baud 'fast' is not a positive number"),
            ("serial:///dev/ttyUSB1?baud=0", "baud '0' is not a positive number"),
            ("serial:///dev/ttyUSB1?baud=", "parameter 'baud' has no value"),
            ("serial:///dev/ttyUSB1?baud=9600&baud=19200", "parameter 'baud' is given twice"),
            ("serial:///dev/ttyUSB1?parity=even", "unknown parameter 'parity'"),
            ("serial:///dev/ttyUSB1?page=CP999", "unknown code page 'CP999' (known: CP437, CP850"),
            ("tcp://", "no port"),
            ("tcp://host", "no port"),
            ("tcp://:9100", "no host"),
            ("tcp://host:abc", "port 'abc' is not a number"),
            ("tcp://host:0", "port '0' is not a number"),
            ("tcp://host:70000", "port '70000' is not a number"),
            ("tcp://host:9100/display", "a tcp address has no path"),
            ("tcp://host:9100?baud=9600", "baud applies to serial displays only"),
        ] {
            let message = bad_url(url);
            assert!(message.starts_with(&format!("customer display '{url}': ")), "{message}");
            assert!(message.contains(problem), "{url}: {message}");
        }
        assert_eq!(
            parse_url("SERIAL:///dev/ttyUSB1?page=cp858").map(|(t, p)| (t, p.name)),
            Ok((Target::Serial { path: "/dev/ttyUSB1".to_string(), baud: 9600 }, "CP858"))
        );
        assert_eq!(
            parse_url("serial://COM3?baud=19200").map(|(t, p)| (t, p.name)),
            Ok((Target::Serial { path: "COM3".to_string(), baud: 19200 }, "CP437"))
        );
        assert_eq!(parse_url("tcp://[::1]:4001").map(|(t, _)| t), Ok(Target::Tcp { addr: "[::1]:4001".to_string() }));
    }

    #[test]
    fn a_missing_port_or_display_is_an_error_naming_it() {
        let e = open_display("serial:///dev/no-such-display?baud=9600", DisplayProtocol::Cd5220).err().unwrap();
        assert!(matches!(e, DisplayError::Io { .. }), "{e}");
        assert!(e.to_string().starts_with("customer display serial:///dev/no-such-display?baud=9600: "), "{e}");

        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port(); // closed again
        let url = format!("tcp://127.0.0.1:{port}");
        let e = open_display(&url, DisplayProtocol::Epson).err().unwrap();
        assert!(e.to_string().starts_with(&format!("customer display {url}: ")), "{e}");
    }

    /// Reads from `conn` until `n` bytes have come.
    fn read_n(conn: &mut TcpStream, n: usize) -> Vec<u8> {
        conn.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut got = vec![0u8; n];
        conn.read_exact(&mut got).unwrap();
        got
    }

    #[test]
    fn tcp_round_trip_and_reconnect() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("tcp://{}?page=CP858", listener.local_addr().unwrap());
        let mut display = open_display(&url, DisplayProtocol::Epson).unwrap();
        let (mut conn, _) = listener.accept().unwrap();

        display.show("Coffee", "Total €4.50").unwrap();
        let want = frame(DisplayProtocol::Epson, "Coffee", "Total €4.50", &cp("CP858"));
        assert_eq!(read_n(&mut conn, want.len()), want);
        display.clear().unwrap();
        assert_eq!(read_n(&mut conn, 3), [0x1b, 0x40, 0x0c]);

        // The serial server drops the connection (restart, idle timeout): the next update
        // notices before writing and goes out whole on a new connection.
        drop(conn);
        std::thread::sleep(Duration::from_millis(50));
        display.show("Tea", "Total €2.00").unwrap();
        let (mut conn, _) = listener.accept().unwrap();
        let want = frame(DisplayProtocol::Epson, "Tea", "Total €2.00", &cp("CP858"));
        assert_eq!(read_n(&mut conn, want.len()), want);
    }

    #[test]
    fn a_display_that_is_gone_fails_fast_and_is_retried_later() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let mut display = TcpDisplay::connect(&addr, DisplayProtocol::Cd5220, cp("CP437")).unwrap();
        let (conn, _) = listener.accept().unwrap();
        drop(conn);
        drop(listener);
        std::thread::sleep(Duration::from_millis(50));

        let e = display.show("a", "b").unwrap_err().to_string();
        assert!(
            e.starts_with(&format!("customer display {addr}: connection closed by the display; reconnecting:")),
            "{e}"
        );
        // Within the retry interval nothing is attempted (the error says when the next is).
        let e = display.show("a", "b").unwrap_err().to_string();
        assert!(e.contains("unavailable (") && e.contains("next attempt in"), "{e}");

        // Back on the same port after the interval: the next update reconnects.
        let listener = TcpListener::bind(&addr).unwrap();
        display.0.retry_after = Duration::ZERO;
        display.show("back", "again").unwrap();
        let (mut conn, _) = listener.accept().unwrap();
        let want = frame(DisplayProtocol::Cd5220, "back", "again", &cp("CP437"));
        assert_eq!(read_n(&mut conn, want.len()), want);
    }

    #[cfg(unix)]
    #[test]
    fn serial_round_trip_on_a_pseudo_terminal() {
        use serialport::SerialPort;
        let (mut master, slave) = serialport::TTYPort::pair().unwrap();
        let path = slave.name().unwrap();
        let mut display = SerialDisplay::open(&path, 9600, DisplayProtocol::Cd5220, cp("CP437")).unwrap();
        display.show("Coffee", "4.50").unwrap();
        let want = frame(DisplayProtocol::Cd5220, "Coffee", "4.50", &cp("CP437"));
        master.set_timeout(Duration::from_secs(5)).unwrap();
        let mut got = vec![0u8; want.len()];
        master.read_exact(&mut got).unwrap();
        assert_eq!(got, want);
        drop(slave);
    }

    #[test]
    fn recording_display() {
        let recorder = RecordingDisplay::new();
        let mut display: Box<dyn CustomerDisplay> = Box::new(recorder.clone());
        assert_eq!(recorder.shown(), (String::new(), String::new()));
        display.show("Coffee", "4.50").unwrap();
        display.show("Tea", "6.50").unwrap();
        assert_eq!(recorder.shown(), ("Tea".to_string(), "6.50".to_string()));
        recorder.set_unplugged(true);
        assert!(display.show("Cake", "9.00").is_err());
        assert!(display.clear().is_err());
        recorder.set_unplugged(false);
        display.clear().unwrap();
        assert_eq!(recorder.shown(), (String::new(), String::new()));
        assert_eq!(recorder.history().len(), 3);
    }
}
