//! `till-hq`: Till's HQ server and its administration commands. It parses the command
//! line, calls HQ's library and prints text or JSON; it holds no business rule of its own.

mod cli;

use clap::Parser;

fn main() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("TILL_LOG").unwrap_or_else(|_| "till_hq=info".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = cli::args::Cli::parse();
    if let Err(e) = cli::commands::run(cli) {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
}
