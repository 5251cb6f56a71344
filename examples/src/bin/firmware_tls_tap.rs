//! The firmware-style FTP client of `firmware_tap` over explicit FTPS:
//! AUTH TLS, PBSZ 0, PROT P; the server's certificate verified against
//! CA_FILE (PEM) and the server's IP address; every data connection
//! resumes the control connection's TLS session (rustls in no_std with
//! alloc, through ftp-tls). Exit 0 only when all of it worked; a clear
//! one-line error otherwise.
//!
//! usage: firmware_tls_tap TAP SERVER_IP:PORT USER PASSWORD DIR FILE OUT LOG REMOTE_LOG CA_FILE

use std::process::ExitCode;

/// The heap, counted: the session reports the most rustls held.
#[global_allocator]
static HEAP: ftp_examples::PeakAlloc = ftp_examples::PeakAlloc::new();

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match ftp_examples::firmware::run(&args, Some(&HEAP)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
