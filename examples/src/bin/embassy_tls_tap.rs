//! The device program of `embassy_tap` over explicit FTPS: AUTH TLS,
//! PBSZ 0, PROT P, the server's certificate verified against CA_FILE
//! (PEM) and its IP address, every data connection resuming the control
//! connection's TLS session (`ftp_tls::asynch`). Exit 0 only when all of
//! it worked; a clear one-line error otherwise.
//!
//! usage: embassy_tls_tap TAP SERVER_IP:PORT USER PASSWORD DIR FILE OUT LOG REMOTE_LOG CA_FILE

use std::io::Write as _;
use std::process::ExitCode;

/// The heap, counted: the session reports the most rustls held.
#[global_allocator]
static HEAP: ftp_examples::PeakAlloc = ftp_examples::PeakAlloc::new();

use embassy_executor::Spawner;

#[embassy_executor::main]
async fn main(spawner: Spawner) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = ftp_examples::embassy::start(spawner, &args, Some(&HEAP)).await;
    let _ = std::io::stdout().flush();
    std::process::exit(match code {
        ExitCode::SUCCESS => 0,
        _ => 1,
    });
}
