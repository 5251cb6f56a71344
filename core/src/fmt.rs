//! The logging shim: one set of macros that go to `defmt`, to `log`, or
//! nowhere, so the rest of the crate logs without caring which.
//!
//! Every argument must implement both `core::fmt::Display` and
//! `defmt::Format` (use [`crate::Text`] for protocol bytes).
#![allow(unused_macros)]

macro_rules! ftp_log {
    ($level:ident, $s:literal $(, $x:expr)* $(,)?) => {{
        #[cfg(feature = "defmt")]
        ::defmt::$level!($s $(, $x)*);
        #[cfg(feature = "log")]
        ::log::$level!($s $(, $x)*);
        #[cfg(not(any(feature = "log", feature = "defmt")))]
        {
            $(let _ = &$x;)*
        }
    }};
}

macro_rules! debug {
    ($($t:tt)*) => { ftp_log!(debug, $($t)*) };
}

macro_rules! info {
    ($($t:tt)*) => { ftp_log!(info, $($t)*) };
}

macro_rules! warn {
    ($($t:tt)*) => { ftp_log!(warn, $($t)*) };
}
