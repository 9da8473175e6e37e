//! Counter devices behind small traits, each with a real transport and a test double:
//! the scale (Mettler Toledo 8217 protocol over serial) and the serial barcode scanner.

mod scale;
mod scanner;

pub use scale::{FixedScale, Scale, ScaleError, Toledo8217, parse_toledo};
pub use scanner::{ScannerError, SerialScanner};
