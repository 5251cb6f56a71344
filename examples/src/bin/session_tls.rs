//! The reference's FTP_TLS sample over ftp-std: login (securing the
//! control connection first), prot_p, LIST, quit.
//!
//! usage: session_tls URL [--cacert FILE | --insecure]
//! (`ftp://` is explicit FTPS with AUTH TLS, `ftps://` implicit FTPS; the
//! certificate is verified against the system roots unless a CA file is
//! given; --insecure takes any certificate and is for tests only)

use std::process::ExitCode;

use ftp_core_macros::blocking as bisync;
use ftp_std::Ftp;

#[allow(clippy::duplicate_mod)]
#[path = "../twin/session_tls.rs"]
mod session_tls;

fn main() -> ExitCode {
    session_tls::main_with(session_tls::run, "session_tls")
}
