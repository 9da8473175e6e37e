//! The `till-hq` command line, split the way `till` is: what it parses (`args`), what each
//! command does (`commands`), and what it prints (`output`).

pub mod args;
pub mod commands;
pub mod output;
pub mod staff;
