//! The device program of the firmware examples, written once for
//! ftp-core's blocking and async twins and for every board: the host
//! programs over TAP (`firmware_tap`, `embassy_tap` and their FTPS
//! siblings) and the firmware images for mps2-an386 under QEMU run this
//! same code.
//!
//! After login it changes into the device's directory, lists it, fetches
//! the image into the board's image slot block by block as it arrives
//! (OTA-style: when the data or the control connection is cut or stalls,
//! a new session resumes with REST from the bytes already in the slot, at
//! most [`ATTEMPTS`] attempts with a growing pause, all within one
//! deadline), checks the image before it counts (the server's SHA-256
//! through XSHA256 or HASH where FEAT offers one, else SIZE), publishes it,
//! uploads the log and says goodbye. `no_std`, no heap: the board gives
//! the output, the slot and the time.

#![no_std]
#![forbid(unsafe_code)]

#[cfg(feature = "tls")]
extern crate alloc;

mod sessions;
#[cfg(feature = "embassy")]
pub use sessions::embassy;
#[cfg(feature = "smoltcp")]
pub use sessions::smoltcp;
pub use sessions::{Login, TIMEOUT_SECS};

use core::fmt;

/// Attempts at one download, the first included.
pub const ATTEMPTS: u32 = 3;

/// The transfer buffer.
pub const BLOCK: usize = 4096;

/// What the device does once logged in.
#[derive(Clone, Copy, Debug)]
pub struct Device<'a> {
    /// The remote directory.
    pub dir: &'a str,
    /// The image to fetch, in that directory.
    pub file: &'a str,
    /// The remote name of the log ([`Board::log_read`]), in that
    /// directory.
    pub remote_log: &'a str,
    /// The deadline of the whole download, all attempts, in milliseconds.
    pub deadline_ms: u64,
    /// The pause before the second attempt; it doubles for the next.
    pub pause_ms: u64,
}

/// What the board gives the program: output, the image slot (a second
/// flash bank, or external flash), the time.
pub trait Board {
    /// Prints a line's worth of text (the caller adds the line end).
    fn print(&mut self, args: fmt::Arguments);
    /// Writes `bytes` at `offset` of the image slot.
    fn slot_write(&mut self, offset: u64, bytes: &[u8]) -> Result<(), SlotError>;
    /// Reads the image slot from `offset` into `buf`.
    fn slot_read(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), SlotError>;
    /// The image slot holds a complete, checked image of `len` bytes: the
    /// device may boot it (the examples copy it out).
    fn publish(&mut self, len: u64) -> Result<(), SlotError>;
    /// Reads the log to upload from `offset` into `buf`; 0 at its end.
    fn log_read(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, SlotError>;
    /// Milliseconds from some start.
    fn now_ms(&mut self) -> u64;
    /// Waits `ms` milliseconds.
    fn pause(&mut self, ms: u64);
}

/// The image slot could not take the bytes (full, a flash write failed),
/// or the log could not be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SlotError;

impl fmt::Display for SlotError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the device's storage failed (image slot or log)")
    }
}

impl core::error::Error for SlotError {}

/// Why the program failed: one line of text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure(pub heapless::String<200>);

impl Failure {
    /// A failure saying `args` (cut at 200 bytes).
    pub fn new(args: fmt::Arguments) -> Failure {
        let mut text = heapless::String::new();
        let _ = fmt::write(&mut Cut(&mut text), args);
        Failure(text)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Writes as much as fits.
struct Cut<'a>(&'a mut heapless::String<200>);

impl fmt::Write for Cut<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        for c in s.chars() {
            if self.0.push(c).is_err() {
                break;
            }
        }
        Ok(())
    }
}

/// Prints a line on the board.
#[macro_export]
macro_rules! say {
    ($board:expr, $($arg:tt)*) => {
        $crate::Board::print($board, format_args!($($arg)*))
    };
}

/// The blocking twin (ftp-core's `Ftp`).
#[path = "twin"]
pub mod blocking {
    pub(crate) use embedded_io::{Read, Write};
    pub(crate) use ftp_core::{DataConnector, Ftp};
    pub(crate) use ftp_core_macros::blocking as bisync;

    #[allow(clippy::duplicate_mod)]
    #[path = "program.rs"]
    mod program;
    pub use program::{Sessions, run};

    #[cfg(feature = "tls")]
    pub(crate) use ftp_tls::{MaybeTls, TlsData};
    #[cfg(feature = "tls")]
    #[allow(clippy::duplicate_mod)]
    #[path = "tls.rs"]
    mod tls;
    #[cfg(feature = "tls")]
    pub use tls::login_ftps;
}

/// The async twin (ftp-core's `asynch::Ftp`), for embassy.
#[cfg(feature = "async")]
#[path = "twin"]
pub mod asynch {
    pub(crate) use embedded_io_async::{Read, Write};
    pub(crate) use ftp_core::asynch::{DataConnector, Ftp};
    pub(crate) use ftp_core_macros::asynch as bisync;

    #[allow(clippy::duplicate_mod)]
    #[path = "program.rs"]
    mod program;
    pub use program::{Sessions, run};

    #[cfg(feature = "tls")]
    pub(crate) use ftp_tls::asynch::{MaybeTls, TlsData};
    #[cfg(feature = "tls")]
    #[allow(clippy::duplicate_mod)]
    #[path = "tls.rs"]
    mod tls;
    #[cfg(feature = "tls")]
    pub use tls::login_ftps;
}

/// The 64 hex digits of a SHA-256 in a checksum reply (`250 <hex>`, or
/// HASH's `213 SHA-256 0-N <hex> name`).
pub(crate) fn sha256_of_reply(text: &[u8], out: &mut [u8; 32]) -> bool {
    for word in text.split(|&b| b == b' ') {
        if word.len() == 64 && word.iter().all(u8::is_ascii_hexdigit) {
            for (i, pair) in word.chunks(2).enumerate() {
                let hex = |b: u8| (b as char).to_digit(16).unwrap_or(0) as u8;
                out[i] = (hex(pair[0]) << 4) | hex(pair[1]);
            }
            return true;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    extern crate std;
    use std::format;

    use super::sha256_of_reply;

    const HEX: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn a_sha256_is_found_in_xsha256_and_hash_replies() {
        let mut out = [0u8; 32];
        assert!(sha256_of_reply(HEX.as_bytes(), &mut out));
        assert_eq!(out[..4], [0xe3, 0xb0, 0xc4, 0x42]);
        assert_eq!(out[31], 0x55);
        let hash = format!("SHA-256 0-0 {} image.bin", HEX.to_uppercase());
        let mut again = [0u8; 32];
        assert!(sha256_of_reply(hash.as_bytes(), &mut again));
        assert_eq!(out, again);
    }

    #[test]
    fn a_reply_without_a_whole_sha256_is_refused() {
        let mut out = [0u8; 32];
        let long = format!("{HEX}0");
        let bad = format!("{}g", &HEX[..63]);
        for text in ["", "File not found", &HEX[..63], &long, &bad] {
            assert!(!sha256_of_reply(text.as_bytes(), &mut out), "{text:?}");
        }
    }
}
