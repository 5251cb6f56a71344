//! The program of `main.rs` on the async twin (`ftp_core::asynch`): the
//! same operations over a transport the optimizer cannot see through,
//! driven by a poll loop with a waker that does nothing (a firmware's
//! executor, such as embassy's, would sleep between polls). Built for
//! thumbv7em-none-eabihf; never run, only measured (bench/size.sh).

#![no_std]
#![no_main]

use core::future::Future;
use core::hint::black_box;
use core::net::SocketAddr;
use core::panic::PanicInfo;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use embedded_io::ErrorKind;
use ftp_core::asynch::{DataConnector, Ftp};

mod wire;
use wire::Wire;

impl embedded_io_async::Read for Wire {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        Ok(self.take(buf))
    }
}

impl embedded_io_async::Write for Wire {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        Ok(black_box(buf).len())
    }

    async fn flush(&mut self) -> Result<(), ErrorKind> {
        Ok(())
    }
}

struct Data;

impl DataConnector for Data {
    type Error = ErrorKind;
    type Stream = Wire;
    type Listener = ();

    async fn connect(&mut self, addr: SocketAddr) -> Result<Wire, ErrorKind> {
        Ok(Wire {
            at: black_box(addr.port() as usize % 8),
        })
    }

    async fn listen(&mut self) -> Result<((), SocketAddr), ErrorKind> {
        Err(ErrorKind::Unsupported)
    }

    async fn accept(&mut self, _: ()) -> Result<(Wire, SocketAddr), ErrorKind> {
        Err(ErrorKind::Unsupported)
    }
}

#[used]
#[unsafe(link_section = ".ftp_session_ram")]
static SESSION_RAM: [u8; core::mem::size_of::<Ftp<Wire, Data>>()] =
    [0; core::mem::size_of::<Ftp<Wire, Data>>()];

mod ops;

async fn session() -> Result<(), ftp_core::Error<ErrorKind>> {
    let peer = SocketAddr::from(([192, 0, 2, 1], 21));
    let ftp: Ftp<Wire, Data> = Ftp::connect(Wire { at: 0 }, Data, black_box(peer)).await?;
    ops::operations(ftp).await
}

#[unsafe(no_mangle)]
pub extern "C" fn _start() -> ! {
    let mut fut = pin!(session());
    let mut cx = Context::from_waker(Waker::noop());
    while let Poll::Pending = fut.as_mut().poll(&mut cx) {
        core::hint::spin_loop();
    }
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
