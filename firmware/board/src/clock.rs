//! SysTick as the clock of the smoltcp adapter: a millisecond counter
//! driven by the SysTick interrupt, and `idle` that sleeps (WFI) until the
//! deadline or any interrupt.

use core::sync::atomic::{AtomicU32, Ordering};

use cortex_m::peripheral::SYST;
use cortex_m::peripheral::syst::SystClkSource;
use cortex_m_rt::exception;
use ftp_core::smoltcp_io::Clock;
use smoltcp::time::{Duration, Instant};

/// The core clock of the AN386 as QEMU runs it.
pub const CORE_HZ: u32 = 25_000_000;

static MILLIS: AtomicU32 = AtomicU32::new(0);

#[exception]
fn SysTick() {
    let now = MILLIS.fetch_add(1, Ordering::Relaxed).wrapping_add(1);
    #[cfg(feature = "embassy")]
    crate::embassy::tick(now);
    #[cfg(not(feature = "embassy"))]
    let _ = now;
}

/// The clock: SysTick every millisecond.
pub struct SysTickClock {
    _syst: SYST,
}

impl SysTickClock {
    /// Starts SysTick at 1 kHz, its interrupt enabled.
    pub fn start(mut syst: SYST) -> SysTickClock {
        syst.set_clock_source(SystClkSource::Core);
        syst.set_reload(CORE_HZ / 1000 - 1);
        syst.clear_current();
        syst.enable_interrupt();
        syst.enable_counter();
        SysTickClock { _syst: syst }
    }

    /// Milliseconds since `start`.
    pub fn millis() -> u32 {
        MILLIS.load(Ordering::Relaxed)
    }
}

impl Clock for SysTickClock {
    fn now(&mut self) -> Instant {
        Instant::from_millis(i64::from(Self::millis()))
    }

    fn idle(&mut self, delay: Duration) {
        let until = Self::millis().wrapping_add(delay.total_millis() as u32);
        // Each SysTick (and any other interrupt) wakes the core; a frame
        // that arrived is seen at the next poll, within a millisecond.
        while Self::millis().wrapping_sub(until) > u32::MAX / 2 {
            cortex_m::asm::wfi();
            if crate::lan9118::frame_waiting() {
                return;
            }
        }
    }
}
