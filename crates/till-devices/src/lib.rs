//! Counter devices behind small traits, each with a real transport and a test double:
//! today the scale (Mettler Toledo 8217 protocol over serial).

mod scale;

pub use scale::{FixedScale, Scale, ScaleError, Toledo8217, parse_toledo};
