//! The async device program over explicit FTPS as firmware: ftp-core's
//! async twin on embassy-net (through ftp-embassy) over the AN386's
//! LAN9118, TLS through ftp-tls's async twin (rustls no_std) on the
//! control connection and every data connection, each resuming the
//! control connection's session. Arguments (semihosting): SERVER_IP:PORT
//! USER PASSWORD DIR FILE OUT LOG REMOTE_LOG CA_FILE. Prints the most heap
//! rustls held.

#![no_std]
#![no_main]

use embassy_executor::Spawner;
use firmware_tls::HEAP;
use ftp_device::{Failure, say};
use mps2_an386::device::An386Board;
use mps2_an386::program;

async fn run(spawner: Spawner) -> Result<(), Failure> {
    let p = cortex_m::Peripherals::take()
        .ok_or_else(|| Failure::new(format_args!("peripherals taken")))?;
    let args = program::args("embassy-tls", true)?;
    let mut board =
        An386Board::new(args.out, args.log).map_err(|e| Failure::new(format_args!("{e}")))?;
    let config = firmware_tls::tls_config(args.ca.unwrap_or_default())?;
    let sockets = program::embassy::sockets(spawner, p.SYST).await?;
    let mut sessions = ftp_device::embassy::TlsSessions {
        plain: ftp_device::embassy::Sessions {
            sockets: Some(sockets),
            login: args.login,
        },
        config,
    };
    let result = ftp_device::asynch::run(
        &mut sessions,
        &args.device,
        &mut board,
        program::record_block(),
    )
    .await;
    say!(
        &mut board,
        "heap: at most {} bytes held at once",
        HEAP.peak()
    );
    result
}

#[embassy_executor::main]
async fn main(spawner: Spawner) {
    firmware_tls::init_heap();
    mps2_an386::stack::paint();
    program::finish(run(spawner).await)
}
