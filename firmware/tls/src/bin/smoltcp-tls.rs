//! The blocking device program over explicit FTPS as firmware: ftp-core
//! over smoltcp over the AN386's LAN9118, TLS through ftp-tls (rustls
//! no_std, rustls-rustcrypto) on the control connection and on every data
//! connection, each resuming the control connection's session. Arguments
//! (semihosting): SERVER_IP:PORT USER PASSWORD DIR FILE OUT LOG REMOTE_LOG
//! CA_FILE. Prints the most heap rustls held.

#![no_std]
#![no_main]

use cortex_m_rt::entry;
use firmware_tls::HEAP;
use ftp_device::{Failure, say};
use mps2_an386::device::An386Board;
use mps2_an386::program;

fn run() -> Result<(), Failure> {
    let p = cortex_m::Peripherals::take()
        .ok_or_else(|| Failure::new(format_args!("peripherals taken")))?;
    let args = program::args("smoltcp-tls", true)?;
    let mut board =
        An386Board::new(args.out, args.log).map_err(|e| Failure::new(format_args!("{e}")))?;
    let config = firmware_tls::tls_config(args.ca.unwrap_or_default())?;
    let (stack, control, data) = program::smoltcp::stack(p.SYST)?;
    let mut sessions = ftp_device::smoltcp::TlsSessions {
        plain: ftp_device::smoltcp::Sessions {
            stack,
            control,
            data,
            login: args.login,
        },
        config,
    };
    let result = ftp_device::blocking::run(
        &mut sessions,
        &args.device,
        &mut board,
        program::record_block(),
    );
    say!(
        &mut board,
        "heap: at most {} bytes held at once",
        HEAP.peak()
    );
    result
}

#[entry]
fn main() -> ! {
    firmware_tls::init_heap();
    mps2_an386::stack::paint();
    program::finish(run())
}
