//! Board support for the MPS2 AN386 as QEMU emulates it (`-M mps2-an386`):
//! a Cortex-M4F at 25 MHz, 4 MiB of code RAM at 0, 4 MiB of data RAM at
//! 0x2000_0000, 16 MiB of PSRAM at 0x2100_0000 and an SMSC LAN9118 at
//! 0x4020_0000 on interrupt 13.
//!
//! - [`lan9118::Lan9118`]: the Ethernet controller as a smoltcp
//!   `phy::Device`.
//! - [`clock::SysTickClock`]: SysTick as the smoltcp adapter's clock; its
//!   `idle` sleeps (WFI) until the deadline or an interrupt.
//! - [`host`]: semihosting: the program's arguments, output, host files
//!   and the exit status (QEMU's exit code).
//! - A HardFault handler and a panic handler that report and exit with
//!   an error, instead of looping for ever.

#![no_std]

pub mod clock;
pub mod device;
#[cfg(feature = "embassy")]
pub mod embassy;
pub mod host;
pub mod lan9118;
pub mod program;
pub mod stack;

use cortex_m_rt::{ExceptionFrame, exception};

/// Where the image slot of an OTA-style download lives: the PSRAM, outside
/// the program's flash and RAM (a second flash bank or external flash on
/// a real board).
pub const IMAGE_SLOT: usize = 0x2100_0000;
/// Its size.
pub const IMAGE_SLOT_LEN: usize = 16 << 20;

static SLOT_TAKEN: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

/// The image slot, once (later calls get `None`).
pub fn image_slot() -> Option<&'static mut [u8]> {
    if SLOT_TAKEN.swap(true, core::sync::atomic::Ordering::AcqRel) {
        return None;
    }
    // SAFETY: the PSRAM at IMAGE_SLOT is RAM of this board that neither
    // the linker script nor anything else uses, and the flag above hands
    // it out once, so this is its only reference.
    Some(unsafe { core::slice::from_raw_parts_mut(IMAGE_SLOT as *mut u8, IMAGE_SLOT_LEN) })
}

#[exception]
unsafe fn HardFault(frame: &ExceptionFrame) -> ! {
    // A stack that overflowed (flip-link puts the stack below .data and
    // .bss, so an overflow faults here) or a bad access: said, and the run
    // ends with an error.
    host::eprint(format_args!(
        "error: hard fault at pc {:#010x} (lr {:#010x})\n",
        frame.pc(),
        frame.lr()
    ));
    host::exit(3)
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    host::eprint(format_args!("error: panic: {info}\n"));
    host::exit(4)
}
