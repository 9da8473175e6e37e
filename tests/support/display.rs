//! A customer pole display (2 lines x 20 characters) on a loopback TCP port, for the
//! end-to-end tests: it interprets what it receives as the display would (both the CD5220
//! and the Epson DM-D command sets) into the characters on its screen, so a test asserts
//! on what the customer would read, and it counts every command it does not understand,
//! so a test can assert the driver sent nothing a display would show as garbage.
//!
//! Understood: `ESC @` (reset: blank, cursor home, overwrite mode, CP437), `ESC t n` (code
//! page; CP437 = 0, CP850 = 2 and CP858 = 19 are decoded, the upper half of others shows
//! as U+FFFD), `ESC DC1` / `ESC DC2` / `ESC DC3` and `US MD1` / `US MD2` / `US MD3`
//! (overwrite, vertical and horizontal scroll mode), `ESC Q A` / `ESC Q B` text CR (a
//! whole upper or lower line), `US $ x y` (cursor to column x 1-20, row y 1-2), CLR 0x0C
//! (blank, home), CAN 0x18 (blank the cursor's line, cursor to its start), HOM 0x0B, CR,
//! LF, BS, HT, and the printable bytes 0x20-0x7E and 0x80-0xFF, written at the cursor.
//! Counted as unknown: any other control byte or `ESC`/`US` sequence, a `US $` outside the
//! screen, and in `ESC Q A/B` text more than 20 characters or a control byte.
//!
//! The bytes of all connections go into one parser, as they would down the one serial line
//! behind a serial server: a command may be split across writes or connections.

use std::io::Read;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Characters on a line.
pub const COLUMNS: usize = 20;
/// Lines on the screen.
pub const ROWS: usize = 2;

const ESC: u8 = 0x1b;
const US: u8 = 0x1f;

/// The upper halves (0x80-0xFF) of the pages the emulator decodes, as the display's
/// character generator would draw them (checked against till-printer's tables in the
/// tests below).
const CP437_UPPER: &str = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{a0}";
const CP858_UPPER: &str = "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜø£Ø×ƒáíóúñÑªº¿®¬½¼¡«»░▒▓│┤ÁÂÀ©╣║╗╝¢¥┐└┴┬├─┼ãÃ╚╔╩╦╠═╬¤ðÐÊËÈ€ÍÎÏ┘┌█▄¦Ì▀ÓßÔÒõÕµþÞÚÛÙýÝ¯´\u{ad}±‗¾¶§÷¸°¨·¹³²■\u{a0}";

/// What the display does when a character is written past the end of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The cursor goes on at the start of the other line (the lower line wraps to the upper).
    Overwrite,
    /// Past the end of the lower line the screen scrolls up a line.
    VerticalScroll,
    /// Past the end of a line, that line shifts left a character.
    HorizontalScroll,
}

/// The display's state: the characters on the screen, the cursor, the mode and page, and
/// the bytes of a command not yet complete. Usable on its own, fed bytes directly.
#[derive(Debug, Clone)]
pub struct Screen {
    cells: [[char; COLUMNS]; ROWS],
    row: usize,
    /// 0..=COLUMNS; COLUMNS when parked past the end in a scroll mode.
    col: usize,
    mode: Mode,
    page: u8,
    pending: Vec<u8>,
    unknown: Vec<String>,
    received: Vec<u8>,
}

impl Default for Screen {
    fn default() -> Self {
        Screen::new()
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(" ")
}

impl Screen {
    /// A display just switched on: blank, cursor home, overwrite mode, CP437.
    pub fn new() -> Screen {
        Screen {
            cells: [[' '; COLUMNS]; ROWS],
            row: 0,
            col: 0,
            mode: Mode::Overwrite,
            page: 0,
            pending: Vec::new(),
            unknown: Vec::new(),
            received: Vec::new(),
        }
    }

    /// The two lines, trailing spaces trimmed.
    pub fn lines(&self) -> [String; 2] {
        self.cells.map(|row| row.iter().collect::<String>().trim_end().to_string())
    }

    /// The two lines, all 20 characters each.
    pub fn raw_lines(&self) -> [String; 2] {
        self.cells.map(|row| row.iter().collect())
    }

    /// The cursor as (column, row), both from 0.
    pub fn cursor(&self) -> (usize, usize) {
        (self.col, self.row)
    }

    /// The display mode.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// The `n` of the last `ESC t n` since the last reset (0, CP437, before any).
    pub fn page(&self) -> u8 {
        self.page
    }

    /// How many commands or bytes it did not understand.
    pub fn unknown(&self) -> usize {
        self.unknown.len()
    }

    /// What it did not understand, in hex, in order.
    pub fn unknown_commands(&self) -> Vec<String> {
        self.unknown.clone()
    }

    /// Every byte received.
    pub fn received(&self) -> &[u8] {
        &self.received
    }

    /// Interprets `bytes` (a command left incomplete waits for the next call).
    pub fn feed(&mut self, bytes: &[u8]) {
        self.received.extend_from_slice(bytes);
        self.pending.extend_from_slice(bytes);
        let pending = std::mem::take(&mut self.pending);
        let mut at = 0;
        while at < pending.len() {
            match self.step(&pending[at..]) {
                Some(used) => at += used,
                None => break,
            }
        }
        self.pending = pending[at..].to_vec();
    }

    fn reset(&mut self) {
        self.cells = [[' '; COLUMNS]; ROWS];
        self.row = 0;
        self.col = 0;
        self.mode = Mode::Overwrite;
        self.page = 0;
    }

    fn decode(&self, byte: u8) -> char {
        let upper = match self.page {
            0 => CP437_UPPER,
            2 | 19 => CP858_UPPER,
            _ => return if byte < 0x80 { char::from(byte) } else { '\u{fffd}' },
        };
        if byte < 0x80 {
            return char::from(byte);
        }
        let c = upper.chars().nth(usize::from(byte - 0x80)).unwrap();
        if self.page == 2 && byte == 0xd5 { 'ı' } else { c } // CP850: dotless i where CP858 has €
    }

    fn unknown_command(&mut self, bytes: &[u8]) {
        self.unknown.push(hex(bytes));
    }

    /// Interprets the command at the start of `b`; how many bytes it took, or None if
    /// it is not complete yet.
    fn step(&mut self, b: &[u8]) -> Option<usize> {
        match b[0] {
            ESC => {
                let command = *b.get(1)?;
                match command {
                    b'@' => self.reset(),
                    b't' => {
                        self.page = *b.get(2)?;
                        return Some(3);
                    }
                    0x11 => self.mode = Mode::Overwrite,
                    0x12 => self.mode = Mode::VerticalScroll,
                    0x13 => self.mode = Mode::HorizontalScroll,
                    b'Q' => {
                        let which = *b.get(2)?;
                        if which != b'A' && which != b'B' {
                            self.unknown_command(&b[..3]);
                            return Some(3);
                        }
                        // Text up to CR; a display gives up on a line that never ends.
                        let limit = 2 * COLUMNS;
                        let end = match b[3..].iter().position(|x| *x == 0x0d) {
                            Some(end) => Some(end),
                            None if b.len() - 3 > limit => None,
                            None => return None,
                        };
                        let text = &b[3..3 + end.unwrap_or(limit)];
                        let row = usize::from(which - b'A');
                        self.cells[row] = [' '; COLUMNS];
                        for (i, byte) in text.iter().enumerate() {
                            if i >= COLUMNS || *byte < 0x20 || *byte == 0x7f {
                                self.unknown_command(&[ESC, b'Q', which, *byte]);
                                continue;
                            }
                            self.cells[row][i] = self.decode(*byte);
                        }
                        return Some(match end {
                            Some(end) => 3 + end + 1,
                            None => {
                                self.unknown_command(&[ESC, b'Q', which]);
                                3 + limit
                            }
                        });
                    }
                    _ => self.unknown_command(&b[..2]),
                }
                Some(2)
            }
            US => {
                let command = *b.get(1)?;
                match command {
                    0x01 => self.mode = Mode::Overwrite,
                    0x02 => self.mode = Mode::VerticalScroll,
                    0x03 => self.mode = Mode::HorizontalScroll,
                    b'$' => {
                        let (x, y) = (*b.get(2)?, *b.get(3)?);
                        if (1..=COLUMNS).contains(&usize::from(x)) && (1..=ROWS).contains(&usize::from(y)) {
                            self.col = usize::from(x) - 1;
                            self.row = usize::from(y) - 1;
                        } else {
                            self.unknown_command(&b[..4]);
                        }
                        return Some(4);
                    }
                    _ => self.unknown_command(&b[..2]),
                }
                Some(2)
            }
            0x0c => {
                self.cells = [[' '; COLUMNS]; ROWS];
                self.row = 0;
                self.col = 0;
                Some(1)
            }
            0x18 => {
                self.cells[self.row] = [' '; COLUMNS];
                self.col = 0;
                Some(1)
            }
            0x0b => {
                self.row = 0;
                self.col = 0;
                Some(1)
            }
            0x0d => {
                self.col = 0;
                Some(1)
            }
            0x0a => {
                self.line_feed();
                Some(1)
            }
            0x08 => {
                self.col = self.col.saturating_sub(1).min(COLUMNS - 1);
                Some(1)
            }
            0x09 => {
                if self.col + 1 < COLUMNS {
                    self.col += 1;
                } else {
                    self.col = 0;
                    self.line_feed();
                }
                Some(1)
            }
            0x20..=0x7e | 0x80..=0xff => {
                self.put(b[0]);
                Some(1)
            }
            other => {
                self.unknown_command(&[other]);
                Some(1)
            }
        }
    }

    fn scroll_up(&mut self) {
        self.cells[0] = self.cells[1];
        self.cells[1] = [' '; COLUMNS];
    }

    fn line_feed(&mut self) {
        match self.mode {
            Mode::VerticalScroll if self.row == ROWS - 1 => self.scroll_up(),
            _ => self.row = (self.row + 1) % ROWS,
        }
        self.col = self.col.min(COLUMNS - 1);
    }

    fn put(&mut self, byte: u8) {
        let c = self.decode(byte);
        if self.col == COLUMNS {
            // Parked past the end of the line (scroll modes).
            match self.mode {
                Mode::HorizontalScroll => {
                    self.cells[self.row].copy_within(1.., 0);
                    self.col = COLUMNS - 1;
                }
                _ => {
                    self.scroll_up();
                    self.col = 0;
                }
            }
        }
        self.cells[self.row][self.col] = c;
        self.col += 1;
        if self.col == COLUMNS {
            match self.mode {
                Mode::Overwrite => {
                    self.col = 0;
                    self.row = (self.row + 1) % ROWS;
                }
                Mode::VerticalScroll if self.row < ROWS - 1 => {
                    self.col = 0;
                    self.row += 1;
                }
                Mode::VerticalScroll | Mode::HorizontalScroll => {} // parked
            }
        }
    }
}

struct Shared {
    screen: Mutex<Screen>,
    stop: AtomicBool,
    connections: AtomicUsize,
}

impl Shared {
    fn screen(&self) -> MutexGuard<'_, Screen> {
        self.screen.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The emulated display, listening on a loopback port; stops when dropped.
pub struct DisplayEmulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
}

impl DisplayEmulator {
    /// Starts a display that was just switched on (blank).
    pub fn start() -> DisplayEmulator {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            screen: Mutex::new(Screen::new()),
            stop: AtomicBool::new(false),
            connections: AtomicUsize::new(0),
        });
        let s = shared.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.stop.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(conn) = conn else { continue };
                s.connections.fetch_add(1, Ordering::SeqCst);
                let s = s.clone();
                std::thread::spawn(move || serve(&s, conn));
            }
        });
        DisplayEmulator { addr, shared }
    }

    /// Its address for the driver: `tcp://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("tcp://{}", self.addr)
    }

    /// The two lines on the screen, trailing spaces trimmed.
    pub fn screen(&self) -> [String; 2] {
        self.shared.screen().lines()
    }

    /// A copy of the whole state (cursor, mode, page, bytes received).
    pub fn state(&self) -> Screen {
        self.shared.screen().clone()
    }

    /// How many commands or bytes it did not understand (see the module documentation).
    pub fn unknown(&self) -> usize {
        self.shared.screen().unknown()
    }

    /// Every byte received, over all connections.
    pub fn received(&self) -> Vec<u8> {
        self.shared.screen().received().to_vec()
    }

    /// How many connections it accepted.
    pub fn connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Waits until the screen satisfies `pred` and returns it; panics with the screen (and
    /// anything not understood) after `timeout`.
    pub fn wait_for(&self, pred: impl Fn(&[String; 2]) -> bool, timeout: Duration) -> [String; 2] {
        let deadline = Instant::now() + timeout;
        loop {
            let screen = self.screen();
            if pred(&screen) {
                return screen;
            }
            if Instant::now() >= deadline {
                let state = self.state();
                panic!(
                    "the display did not show what was expected within {timeout:?}:\n  |{}|\n  |{}|\n\
                     cursor {:?}, {} bytes received, not understood: {:?}",
                    state.raw_lines()[0],
                    state.raw_lines()[1],
                    state.cursor(),
                    state.received().len(),
                    state.unknown_commands()
                );
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

fn serve(shared: &Shared, mut conn: TcpStream) {
    let _ = conn.set_read_timeout(Some(Duration::from_millis(100)));
    let mut buf = [0u8; 1024];
    while !shared.stop.load(Ordering::SeqCst) {
        match conn.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => shared.screen().feed(&buf[..n]),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => break,
        }
    }
}

impl Drop for DisplayEmulator {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_secs(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    /// What the till-devices driver sends for one update, written out by hand.
    fn epson(upper: &[u8], lower: &[u8], page: u8) -> Vec<u8> {
        let mut v = vec![ESC, b'@', ESC, b't', page, US, 0x01, US, b'$', 1, 1];
        v.extend(padded(upper));
        v.extend([US, b'$', 1, 2]);
        v.extend(padded(lower));
        v
    }

    fn cd5220(upper: &[u8], lower: &[u8], page: u8) -> Vec<u8> {
        let mut v = vec![ESC, b'@', ESC, b't', page, ESC, b'Q', b'A'];
        v.extend(padded(upper));
        v.extend([0x0d, ESC, b'Q', b'B']);
        v.extend(padded(lower));
        v.push(0x0d);
        v
    }

    fn padded(text: &[u8]) -> Vec<u8> {
        let mut v = text.to_vec();
        v.resize(COLUMNS, b' ');
        v
    }

    fn fed(bytes: &[u8]) -> Screen {
        let mut s = Screen::new();
        s.feed(bytes);
        s
    }

    #[test]
    fn both_command_sets_show_the_two_lines() {
        for bytes in [
            epson(b"Coffee          4.50", b"TOTAL          12.00", 0),
            cd5220(b"Coffee          4.50", b"TOTAL          12.00", 0),
        ] {
            let s = fed(&bytes);
            assert_eq!(s.lines(), ["Coffee          4.50", "TOTAL          12.00"]);
            assert_eq!(s.unknown(), 0, "{:?}", s.unknown_commands());
        }
        // A second, shorter update replaces the first entirely.
        let mut s = fed(&epson(b"Extra large cappucci", b"TOTAL          12.00", 0));
        s.feed(&epson(b"Tea", b"", 0));
        assert_eq!(s.lines(), ["Tea", ""]);
        let mut s = fed(&cd5220(b"Extra large cappucci", b"TOTAL          12.00", 0));
        s.feed(&cd5220(b"Tea", b"", 0));
        assert_eq!(s.lines(), ["Tea", ""]);
        assert_eq!(s.unknown(), 0);
    }

    #[test]
    fn commands_split_anywhere_are_the_same() {
        let bytes = [epson(b"Split", b"anywhere", 19), cd5220(b"Split", b"here too", 0)].concat();
        let whole = fed(&bytes);
        let mut bytewise = Screen::new();
        for b in &bytes {
            bytewise.feed(&[*b]);
        }
        assert_eq!(bytewise.lines(), whole.lines());
        assert_eq!(whole.lines(), ["Split", "here too"]);
        assert_eq!(bytewise.unknown(), 0);
    }

    #[test]
    fn code_pages() {
        // é is 0x82 in CP437 and CP858; € is 0xD5 in CP858 only.
        let s = fed(&epson(b"Caf\x82", b"\xd5 4.50", 19));
        assert_eq!(s.lines(), ["Café", "€ 4.50"]);
        assert_eq!(s.page(), 19);
        let s = fed(&cd5220(b"Caf\x82", b"\xd5 4.50", 0));
        assert_eq!(s.lines(), ["Café", "╒ 4.50"]);
        let s = fed(&cd5220(b"\xd5", b"", 2));
        assert_eq!(s.lines(), ["ı", ""]);
        let s = fed(&cd5220(b"\xd5", b"", 17));
        assert_eq!(s.lines(), ["\u{fffd}", ""]);
        // ESC @ goes back to CP437.
        let s = fed(&[ESC, b't', 19, ESC, b'@', 0xd5]);
        assert_eq!(s.lines(), ["╒", ""]);
    }

    #[test]
    fn the_tables_are_the_printer_crates() {
        for (name, upper) in [("CP437", CP437_UPPER), ("CP858", CP858_UPPER)] {
            let page = till_printer::page(name).unwrap();
            assert_eq!(upper.chars().count(), 128, "{name}");
            for (i, c) in upper.chars().enumerate() {
                assert_eq!(page.byte(c), Some(0x80 + i as u8), "{name} {c}");
            }
        }
    }

    #[test]
    fn cursor_commands() {
        // Printable bytes at the cursor; overwrite mode wraps the lower line to the upper.
        let s = fed(&[ESC, b'@', US, b'$', 19, 2, b'a', b'b', b'c']);
        assert_eq!(s.lines(), ["c", "                  ab"]);
        assert_eq!(s.cursor(), (1, 0));
        // CR, LF, BS, HT, HOM, CAN, CLR.
        let s = fed(b"hello\r\nworld\x08D\x0bH\x09\x09X");
        assert_eq!(s.lines(), ["HelXo", "worlD"]);
        let s = fed(b"upper\nlower\x18new");
        assert_eq!(s.lines(), ["upper", "new"]);
        let s = fed(b"one\ntwo\x0cthree");
        assert_eq!(s.lines(), ["three", ""]);
        assert_eq!(s.unknown(), 0);
        // Vertical scroll: LF on the lower line, or writing past its end, scrolls.
        let s = fed(&[&[ESC, 0x12][..], b"first\r\nsecond\r\nthird"].concat());
        assert_eq!(s.lines(), ["second", "third"]);
        let s = fed(&[&[US, 0x02][..], &[b'x'; 40], b"y"].concat());
        assert_eq!(s.lines(), ["xxxxxxxxxxxxxxxxxxxx", "y"]);
        // Overwrite: 41 characters wrap back to the upper line.
        let s = fed(&[&[ESC, 0x11][..], &[b'x'; 40], b"y"].concat());
        assert_eq!(s.lines(), ["yxxxxxxxxxxxxxxxxxxx", "xxxxxxxxxxxxxxxxxxxx"]);
        // Horizontal scroll: the line shifts left.
        let s = fed(&[&[US, 0x03][..], b"abcdefghijklmnopqrst", b"uv"].concat());
        assert_eq!(s.lines(), ["cdefghijklmnopqrstuv", ""]);
        assert_eq!(s.unknown(), 0);
    }

    #[test]
    fn what_it_does_not_understand_is_counted() {
        // ESC Q D (marquee), an unknown US command, NUL, a cursor off the screen.
        let s = fed(&[ESC, b'Q', b'D', ESC, b'*', US, b'X', 0x00, US, b'$', 21, 1, US, b'$', 1, 3]);
        assert_eq!(s.unknown(), 6, "{:?}", s.unknown_commands());
        assert_eq!(s.unknown_commands()[0], "1B 51 44");
        // A line of more than 20 characters, and a control byte in ESC Q text.
        let s = fed(&[&[ESC, b'Q', b'A'][..], &[b'x'; 21], b"\r"].concat());
        assert_eq!(s.lines()[0], "x".repeat(20));
        assert_eq!(s.unknown(), 1);
        let s = fed(&[ESC, b'Q', b'B', b'a', 0x0a, b'b', 0x0d]);
        assert_eq!(s.lines(), ["", "a b"]);
        assert_eq!(s.unknown(), 1);
        // A line that never ends is given up on.
        let s = fed(&[&[ESC, b'Q', b'A'][..], &[b'y'; 50]].concat());
        assert_eq!(s.lines()[0], "y".repeat(20));
        assert!(s.unknown() > 0);
    }

    #[test]
    fn over_tcp() {
        let display = DisplayEmulator::start();
        assert!(display.url().starts_with("tcp://127.0.0.1:"));
        assert_eq!(display.screen(), ["", ""]);
        let mut conn = TcpStream::connect(display.url().trim_start_matches("tcp://")).unwrap();
        let bytes = cd5220(b"Coffee          4.50", b"TOTAL           4.50", 0);
        // Split in two writes: the parser waits for the rest.
        conn.write_all(&bytes[..30]).unwrap();
        conn.flush().unwrap();
        std::thread::sleep(Duration::from_millis(20));
        conn.write_all(&bytes[30..]).unwrap();
        let screen = display.wait_for(|s| s[1] == "TOTAL           4.50", Duration::from_secs(5));
        assert_eq!(screen[0], "Coffee          4.50");
        drop(conn);

        // A second connection goes on where the first left off.
        let mut conn = TcpStream::connect(display.url().trim_start_matches("tcp://")).unwrap();
        conn.write_all(&[ESC, b'@', 0x0c]).unwrap();
        display.wait_for(|s| s[0].is_empty() && s[1].is_empty(), Duration::from_secs(5));
        assert_eq!(display.connections(), 2);
        assert_eq!(display.unknown(), 0);
        assert_eq!(display.received().len(), bytes.len() + 3);
    }

    #[test]
    #[should_panic(expected = "the display did not show what was expected")]
    fn wait_for_panics_with_the_screen() {
        let display = DisplayEmulator::start();
        display.wait_for(|s| s[0] == "never", Duration::from_millis(50));
    }
}
