//! One core, no interrupts that share state here: a critical section is
//! nothing to do (a firmware takes cortex-m's). For the size programs
//! whose dependencies need one (embassy's time driver, the TLS heap).

struct NoInterrupts;
critical_section::set_impl!(NoInterrupts);
// SAFETY: nothing runs concurrently in these programs.
unsafe impl critical_section::Impl for NoInterrupts {
    unsafe fn acquire() -> critical_section::RawRestoreState {
        false
    }
    unsafe fn release(_: critical_section::RawRestoreState) {}
}
