//! Counter devices behind small traits, each with a real transport and a test double:
//! the scale (Mettler Toledo 8217 protocol over serial), the serial barcode scanner, and
//! the customer pole display (2 x 20 characters, CD5220 or Epson DM-D command set, over
//! serial or TCP, text in the display's code page).

mod display;
mod scale;
mod scanner;

pub use display::{
    COLUMNS, CustomerDisplay, DisplayError, DisplayProtocol, RecordingDisplay, SerialDisplay, TcpDisplay, clear_frame,
    frame, open_display, two_columns,
};
pub use scale::{FixedScale, Scale, ScaleError, Toledo8217, parse_toledo};
pub use scanner::{ScannerError, SerialScanner};
