//! A firmware-style FTP client: ftp-core with the `smoltcp` feature,
//! fixed buffers, no heap in the FTP path, over a Linux TAP device
//! (`phy::TunTapInterface`, Ethernet) with a static IP address. It logs in,
//! lists a directory, downloads a file, uploads a log file and quits, as a
//! device shipping its logs would. Only the host-side bits (arguments,
//! printing, the local files standing in for flash) use std.
//!
//! usage: firmware_tap TAP SERVER_IP:PORT USER PASSWORD DIR FILE OUT LOG REMOTE_LOG
//!   (run where TAP exists, e.g. in a network namespace; the device is
//!   192.0.2.2/24; FILE is saved to OUT, LOG is uploaded as REMOTE_LOG)

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match ftp_examples::firmware::run(&args, None) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
