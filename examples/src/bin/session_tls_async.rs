//! The reference's FTP_TLS sample over ftp-std on tokio (the `session_tls` example's twin: the same
//! lines, files and exit status): login (securing the
//! control connection first), prot_p, LIST, quit.
//!
//! usage: session_tls_async URL [--cacert FILE | --insecure]
//! (`ftp://` is explicit FTPS with AUTH TLS, `ftps://` implicit FTPS; the
//! certificate is verified against the system roots unless a CA file is
//! given; --insecure takes any certificate and is for tests only)

use std::process::ExitCode;

use ftp_core_macros::asynch as bisync;
use ftp_std::tokio::Ftp;

#[allow(clippy::duplicate_mod)]
#[path = "../twin/session_tls.rs"]
mod session_tls;

fn main() -> ExitCode {
    session_tls::main_with(
        |url, verify| ftp_examples::on_tokio(session_tls::run(url, verify)),
        "session_tls_async",
    )
}
