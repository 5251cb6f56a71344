//! The async device program as firmware: ftp-core's async twin on
//! embassy-net (through ftp-embassy) over the AN386's LAN9118, on
//! embassy's thread executor with SysTick as its time driver; the program
//! is ftp-device's, the same as the embassy TAP host program's. Arguments
//! (semihosting): SERVER_IP:PORT USER PASSWORD DIR FILE OUT LOG
//! REMOTE_LOG. Exit status 0 when everything worked, else one `error: ...`
//! line on stderr.

#![no_std]
#![no_main]

use embassy_executor::Spawner;
use ftp_device::Failure;
use mps2_an386::device::An386Board;
use mps2_an386::program;

async fn run(spawner: Spawner) -> Result<(), Failure> {
    let p = cortex_m::Peripherals::take()
        .ok_or_else(|| Failure::new(format_args!("peripherals taken")))?;
    let args = program::args("embassy", false)?;
    let mut board =
        An386Board::new(args.out, args.log).map_err(|e| Failure::new(format_args!("{e}")))?;
    let sockets = program::embassy::sockets(spawner, p.SYST).await?;
    let mut sessions = ftp_device::embassy::Sessions {
        sockets: Some(sockets),
        login: args.login,
    };
    ftp_device::asynch::run(&mut sessions, &args.device, &mut board, program::block()).await
}

#[embassy_executor::main]
async fn main(spawner: Spawner) {
    mps2_an386::stack::paint();
    program::finish(run(spawner).await)
}
