//! A test image whose stack overflows (a recursion that never ends): with
//! flip-link the stack runs off the start of RAM, below which nothing is
//! mapped, and faults; taking that fault needs stack too, so the core
//! locks up and QEMU ends with an error (scripts/qemu-device.sh says so
//! in one line), instead of the stack overwriting .data and .bss unseen.

#![no_std]
#![no_main]

use cortex_m_rt::entry;
use mps2_an386::{host, println};

#[inline(never)]
#[allow(unconditional_recursion)]
fn deeper(n: u32) -> u32 {
    // A frame of 64 bytes that stays live across the call (black_box keeps
    // the compiler from folding the recursion into a loop).
    let frame = core::hint::black_box([n as u8; 64]);
    let below = deeper(core::hint::black_box(n + 1));
    below.wrapping_add(u32::from(core::hint::black_box(&frame)[63]))
}

#[entry]
fn main() -> ! {
    println!("recursing");
    let n = deeper(0);
    println!("returned {n}?");
    host::exit(0)
}
