//! `ftp-script`: runs Rhai scripts that drive FTP sessions.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    ftp_script::run(ftp_script::Cli::parse())
}
