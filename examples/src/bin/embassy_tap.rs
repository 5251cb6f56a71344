//! The device program of `firmware_tap` on embassy: embassy-executor on
//! std, embassy-net over a Linux TAP device (embassy-net-tuntap), the FTP
//! session from ftp-core's async twin through ftp-embassy. Fixed buffers,
//! no heap in the FTP path; the same arguments as `firmware_tap`, so the
//! two are interchangeable.
//!
//! usage: embassy_tap TAP SERVER_IP:PORT USER PASSWORD DIR FILE OUT LOG REMOTE_LOG
//!   (run where TAP exists, e.g. in a network namespace; the device is
//!   192.0.2.2/24; FILE is saved to OUT, LOG is uploaded as REMOTE_LOG;
//!   with FTP_ACTIVE=1 in the environment the data connections are active:
//!   the server connects to the device)

use std::io::Write as _;
use std::process::ExitCode;

use embassy_executor::Spawner;

#[embassy_executor::main]
async fn main(spawner: Spawner) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = ftp_examples::embassy::start(spawner, &args, None).await;
    let _ = std::io::stdout().flush();
    std::process::exit(match code {
        ExitCode::SUCCESS => 0,
        _ => 1,
    });
}
