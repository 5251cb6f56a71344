//! The stack's high-water mark: the stack is painted at boot and the
//! lowest word that lost its paint is found at exit. With flip-link the
//! stack grows down from `_stack_start` to the start of RAM, where an
//! overflow faults.

/// The start of the AN386's data RAM: the stack's floor under flip-link.
const RAM: usize = 0x2000_0000;
const PAINT: u32 = 0x5AA5_C33C;

unsafe extern "C" {
    static _stack_start: u32;
}

/// The stack's top (its highest address).
fn top() -> usize {
    core::ptr::addr_of!(_stack_start) as usize
}

/// Paints the stack below the current frame (called first thing in
/// `main`; 256 bytes of margin under the stack pointer).
pub fn paint() {
    let sp = cortex_m::register::msp::read() as usize;
    let mut at = RAM;
    while at + 4 <= sp.saturating_sub(256) {
        // SAFETY: [RAM, sp - 256) is stack this program has not used yet
        // (flip-link puts nothing else there), and word-aligned.
        unsafe { core::ptr::write_volatile(at as *mut u32, PAINT) };
        at += 4;
    }
}

/// The most stack used since [`paint`], in bytes.
pub fn high_water() -> usize {
    let mut at = RAM;
    // SAFETY: reads of the painted stack region, word-aligned.
    while at < top() && unsafe { core::ptr::read_volatile(at as *const u32) } == PAINT {
        at += 4;
    }
    top() - at
}

/// The stack's size: from the start of RAM to its top.
pub fn size() -> usize {
    top() - RAM
}
