//! The board's embassy faces: SysTick as embassy-time's driver (1 kHz
//! ticks, extended to 64 bits, the timer queue run on every tick), and the
//! LAN9118 as an embassy-net driver (the same driver as the smoltcp
//! device; a task waiting for a frame is woken by the next tick that
//! finds one, so the executor sleeps in between).

use core::cell::{Cell, RefCell};
use core::task::{Context, Waker};

use critical_section::Mutex;
use embassy_net_driver::{Capabilities, Driver, HardwareAddress, LinkState};
use embassy_time_driver::Driver as TimeDriver;
use embassy_time_queue_utils::Queue;

use crate::lan9118::{self, Lan9118};

struct SysTickDriver {
    ticks: Mutex<Cell<u64>>,
    queue: Mutex<RefCell<Queue>>,
    rx_waker: Mutex<RefCell<Option<Waker>>>,
}

embassy_time_driver::time_driver_impl!(static DRIVER: SysTickDriver = SysTickDriver {
    ticks: Mutex::new(Cell::new(0)),
    queue: Mutex::new(RefCell::new(Queue::new())),
    rx_waker: Mutex::new(RefCell::new(None)),
});

impl TimeDriver for SysTickDriver {
    fn now(&self) -> u64 {
        critical_section::with(|cs| self.ticks.borrow(cs).get())
    }

    fn schedule_wake(&self, at: u64, waker: &Waker) {
        critical_section::with(|cs| {
            // Expired ones are woken at the next tick, within 1 ms.
            self.queue.borrow_ref_mut(cs).schedule_wake(at, waker);
        });
    }
}

/// SysTick's work for embassy: the 64-bit tick count, the timers that
/// expired, and the task waiting for a frame when one came.
pub(crate) fn tick(_millis: u32) {
    critical_section::with(|cs| {
        let ticks = DRIVER.ticks.borrow(cs);
        let now = ticks.get() + 1;
        ticks.set(now);
        DRIVER.queue.borrow_ref_mut(cs).next_expiration(now);
        if lan9118::frame_waiting()
            && let Some(waker) = DRIVER.rx_waker.borrow_ref_mut(cs).take()
        {
            waker.wake();
        }
    });
}

/// A received frame, for embassy-net.
pub struct Rx<'a>(&'a mut [u8]);

/// Room for a frame to send, for embassy-net.
pub struct Tx;

impl embassy_net_driver::RxToken for Rx<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, f: F) -> R {
        f(self.0)
    }
}

impl embassy_net_driver::TxToken for Tx {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        lan9118::send(len, f)
    }
}

impl Driver for Lan9118 {
    type RxToken<'a> = Rx<'a>;
    type TxToken<'a> = Tx;

    fn receive(&mut self, cx: &mut Context) -> Option<(Rx<'_>, Tx)> {
        match self.receive_frame() {
            Some(frame) => Some((Rx(frame), Tx)),
            None => {
                critical_section::with(|cs| {
                    *DRIVER.rx_waker.borrow_ref_mut(cs) = Some(cx.waker().clone());
                });
                None
            }
        }
    }

    fn transmit(&mut self, cx: &mut Context) -> Option<Tx> {
        if lan9118::tx_room() {
            Some(Tx)
        } else {
            // The FIFO drains by itself: ask again soon.
            cx.waker().wake_by_ref();
            None
        }
    }

    fn link_state(&mut self, _: &mut Context) -> LinkState {
        LinkState::Up
    }

    fn capabilities(&self) -> Capabilities {
        let mut caps = Capabilities::default();
        caps.max_transmission_unit = 1514;
        caps.max_burst_size = Some(1);
        caps
    }

    fn hardware_address(&self) -> HardwareAddress {
        HardwareAddress::Ethernet(self.mac())
    }
}
