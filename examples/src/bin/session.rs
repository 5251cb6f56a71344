//! The reference's first sample session over ftp-std: login, cwd, LIST,
//! RETR README into the current directory, quit, printing what Python's
//! ftplib session shows.
//!
//! usage: session URL   (ftp://[user[:pass]@]host[:port][/dir]; the
//! directory defaults to the reference's `debian`; `ftps://` is implicit
//! FTPS; credentials come from ~/.netrc when the URL has none)

use std::process::ExitCode;

use ftp_core_macros::blocking as bisync;
use ftp_std::Ftp;

#[allow(clippy::duplicate_mod)]
#[path = "../twin/session.rs"]
mod session;

fn main() -> ExitCode {
    session::main_with(session::run, "session")
}
