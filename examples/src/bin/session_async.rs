//! The reference's first sample session over ftp-std on tokio (the `session` example's twin: the same
//! lines, files and exit status): login, cwd, LIST,
//! RETR README into the current directory, quit, printing what Python's
//! ftplib session shows.
//!
//! usage: session_async URL   (ftp://[user[:pass]@]host[:port][/dir]; the
//! directory defaults to the reference's `debian`; `ftps://` is implicit
//! FTPS; credentials come from ~/.netrc when the URL has none)

use std::process::ExitCode;

use ftp_core_macros::asynch as bisync;
use ftp_std::tokio::Ftp;

#[allow(clippy::duplicate_mod)]
#[path = "../twin/session.rs"]
mod session;

fn main() -> ExitCode {
    session::main_with(
        |url| ftp_examples::on_tokio(session::run(url)),
        "session_async",
    )
}
