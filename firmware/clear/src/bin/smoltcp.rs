//! The blocking device program as firmware: ftp-core over smoltcp over the
//! AN386's LAN9118, the program ftp-device's (the same as the TAP host
//! program's). Arguments (semihosting): SERVER_IP:PORT USER PASSWORD DIR
//! FILE OUT LOG REMOTE_LOG; OUT and LOG are host files. Exit status 0 when
//! everything worked, else one `error: ...` line on stderr.

#![no_std]
#![no_main]

use cortex_m_rt::entry;
use ftp_device::Failure;
use mps2_an386::device::An386Board;
use mps2_an386::program;

fn run() -> Result<(), Failure> {
    let p = cortex_m::Peripherals::take()
        .ok_or_else(|| Failure::new(format_args!("peripherals taken")))?;
    let args = program::args("smoltcp", false)?;
    let mut board =
        An386Board::new(args.out, args.log).map_err(|e| Failure::new(format_args!("{e}")))?;
    let (stack, control, data) = program::smoltcp::stack(p.SYST)?;
    let mut sessions = ftp_device::smoltcp::Sessions {
        stack,
        control,
        data,
        login: args.login,
    };
    ftp_device::blocking::run(&mut sessions, &args.device, &mut board, program::block())
}

#[entry]
fn main() -> ! {
    mps2_an386::stack::paint();
    program::finish(run())
}
