//! A minimal FTP client on embassy: ftp-embassy over embassy-net (login,
//! cwd, LIST, RETR, STOR, quit), with a network driver and a time driver
//! that stand for the hardware's and tell the optimizer nothing. Built for
//! thumbv7em-none-eabihf; never run, only measured (bench/size.sh). The
//! futures are polled by a loop, as a firmware's executor would.

#![no_std]
#![no_main]

use core::cell::Cell;
use core::future::Future;
use core::hint::black_box;
use core::net::SocketAddr;
use core::panic::PanicInfo;
use core::pin::pin;
use core::task::{Context, Poll, Waker};

use embassy_net::tcp::TcpSocket;
use embassy_net::{Ipv4Address, Ipv4Cidr, StackResources, StaticConfigV4};
use embassy_net_driver::{Capabilities, HardwareAddress, LinkState};
use embassy_time::Duration;
use ftp_core::asynch::Ftp;
use ftp_embassy::{Connector, Control};

/// An Ethernet driver whose frames the optimizer cannot see.
struct Nic;

struct Rx;
struct Tx;

impl embassy_net_driver::RxToken for Rx {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, f: F) -> R {
        let mut frame = [0u8; 1514];
        f(black_box(&mut frame[..]))
    }
}

impl embassy_net_driver::TxToken for Tx {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut frame = [0u8; 1514];
        let r = f(&mut frame[..len.min(1514)]);
        black_box(&frame);
        r
    }
}

impl embassy_net_driver::Driver for Nic {
    type RxToken<'a> = Rx;
    type TxToken<'a> = Tx;

    fn receive(&mut self, _: &mut Context) -> Option<(Rx, Tx)> {
        black_box(true).then_some((Rx, Tx))
    }

    fn transmit(&mut self, _: &mut Context) -> Option<Tx> {
        black_box(true).then_some(Tx)
    }

    fn link_state(&mut self, _: &mut Context) -> LinkState {
        LinkState::Up
    }

    fn capabilities(&self) -> Capabilities {
        let mut caps = Capabilities::default();
        caps.max_transmission_unit = 1514;
        caps
    }

    fn hardware_address(&self) -> HardwareAddress {
        HardwareAddress::Ethernet([2, 0, 0, 0, 0, 2])
    }
}

/// A timer the optimizer cannot predict.
struct Clock(critical_section::Mutex<Cell<u64>>);

impl embassy_time_driver::Driver for Clock {
    fn now(&self) -> u64 {
        critical_section::with(|cs| {
            let t = self.0.borrow(cs).get() + 1;
            self.0.borrow(cs).set(black_box(t));
            t
        })
    }

    fn schedule_wake(&self, at: u64, waker: &Waker) {
        black_box((at, waker));
    }
}

embassy_time_driver::time_driver_impl!(static CLOCK: Clock = Clock(critical_section::Mutex::new(Cell::new(0))));

async fn session(
    stack: embassy_net::Stack<'_>,
) -> Result<(), ftp_core::Error<ftp_embassy::NetError>> {
    let (mut crx, mut ctx) = ([0u8; 1024], [0u8; 512]);
    let (mut drx, mut dtx) = ([0u8; 2048], [0u8; 2048]);
    let timeout = Duration::from_secs(10);
    let server = SocketAddr::from(([192, 0, 2, 1], 21));
    let control = Control::connect(
        TcpSocket::new(stack, &mut crx, &mut ctx),
        black_box(server),
        timeout,
    )
    .await
    .map_err(ftp_core::Error::Io)?;
    let data = Connector::new(TcpSocket::new(stack, &mut drx, &mut dtx), timeout);
    let ftp: Ftp<_, _> = Ftp::connect(control, data, server).await?;
    ops::operations(ftp).await
}

mod cs;
mod ops;

#[unsafe(no_mangle)]
pub extern "C" fn _start() -> ! {
    let mut resources = StackResources::<3>::new();
    let config = embassy_net::Config::ipv4_static(StaticConfigV4 {
        address: Ipv4Cidr::new(Ipv4Address::new(192, 0, 2, 2), 24),
        gateway: None,
        dns_servers: Default::default(),
    });
    let (stack, mut runner) = embassy_net::new(Nic, config, &mut resources, black_box(7));
    let mut net = pin!(runner.run());
    let mut ftp = pin!(session(stack));
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        let _ = net.as_mut().poll(&mut cx);
        if let Poll::Ready(r) = ftp.as_mut().poll(&mut cx) {
            let _ = black_box(r);
        }
    }
}

#[panic_handler]
fn panic(_: &PanicInfo) -> ! {
    loop {
        core::hint::spin_loop();
    }
}
