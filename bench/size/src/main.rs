//! What ftp-core costs a firmware: a session that logs in, changes
//! directory, lists, retrieves and stores, over a transport the optimizer
//! cannot see through (its bytes pass `core::hint::black_box`), so none of
//! the protocol code can be removed. Built for thumbv7em-none-eabihf; never
//! run, only measured (bench/size.sh).

#![no_std]
#![no_main]

use core::hint::black_box;
use core::net::SocketAddr;
use core::panic::PanicInfo;

use embedded_io::ErrorKind;
use ftp_core::Ftp;

mod blocking_wire;
mod wire;
use blocking_wire::Data;
use wire::Wire;

/// The session's size on the target, as the size of this section (it is
/// not flash the client needs; bench/size.sh reports it apart).
#[used]
#[unsafe(link_section = ".ftp_session_ram")]
static SESSION_RAM: [u8; core::mem::size_of::<Ftp<Wire, Data>>()] =
    [0; core::mem::size_of::<Ftp<Wire, Data>>()];

fn session() -> Result<(), ftp_core::Error<ErrorKind>> {
    let peer = SocketAddr::from(([192, 0, 2, 1], 21));
    let mut ftp: Ftp<Wire, Data> = Ftp::connect(Wire { at: 0 }, Data, black_box(peer))?;
    ftp.login("device", black_box("secret"), "")?;
    ftp.cwd(black_box("logs"))?;
    let mut buf = [0u8; 1024];
    ftp.retrlines("LIST", &mut buf, |line| {
        black_box(line);
        Ok(())
    })?;
    // The offset passes black_box too: the REST path stays in.
    ftp.retrbinary("RETR firmware.bin", &mut buf, black_box(None), |block| {
        black_box(block);
        Ok(())
    })?;
    let mut left = black_box(4096usize);
    ftp.storbinary(
        "STOR device.log",
        &mut buf,
        black_box(None),
        |b| {
            let n = b.len().min(left);
            left -= n;
            Ok(black_box(n))
        },
        |_| {},
    )?;
    ftp.quit()?;
    Ok(())
}

#[unsafe(no_mangle)]
pub extern "C" fn _start() -> ! {
    let _ = black_box(session());
    loop {
        core::hint::spin_loop();
    }
}

#[panic_handler]
fn panic(_: &PanicInfo) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
