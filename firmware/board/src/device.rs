//! The board as ftp-device sees it: output on the host's standard output,
//! the image slot in the PSRAM, published to a host file, the log read
//! from a host file, SysTick's time.

use core::fmt;

use ftp_device::{Board, SlotError};

use crate::clock::SysTickClock;
use crate::host::{self, HostFile};

/// Paths of host files are kept NUL-terminated for semihosting.
pub type HostPath = heapless_path::Path;

mod heapless_path {
    /// A NUL-terminated path of at most 255 bytes.
    pub struct Path {
        bytes: [u8; 256],
        len: usize,
    }

    impl Path {
        /// `text` with a NUL after it; `None` when too long or holding a
        /// NUL.
        pub fn new(text: &str) -> Option<Path> {
            let t = text.as_bytes();
            if t.len() >= 256 || t.contains(&0) {
                return None;
            }
            let mut bytes = [0u8; 256];
            bytes[..t.len()].copy_from_slice(t);
            Some(Path {
                bytes,
                len: t.len() + 1,
            })
        }

        /// The path with its NUL.
        pub fn with_nul(&self) -> &[u8] {
            &self.bytes[..self.len]
        }
    }
}

/// The AN386 as the device program's board.
pub struct An386Board {
    slot: &'static mut [u8],
    out: HostPath,
    log: HostFile,
    log_at: usize,
}

impl An386Board {
    /// The board: the image slot (taken once), the host file `out` that a
    /// published image is copied to, the host file `log` to upload.
    pub fn new(out: &str, log: &str) -> Result<An386Board, &'static str> {
        let slot = crate::image_slot().ok_or("the image slot is taken")?;
        let out = HostPath::new(out).ok_or("OUT: a path of at most 255 bytes")?;
        let log_path = HostPath::new(log).ok_or("LOG: a path of at most 255 bytes")?;
        let log = HostFile::open_read(log_path.with_nul()).ok_or("LOG: cannot open it")?;
        Ok(An386Board {
            slot,
            out,
            log,
            log_at: 0,
        })
    }
}

impl Board for An386Board {
    fn print(&mut self, args: fmt::Arguments) {
        host::print(format_args!("{args}\n"));
    }

    fn slot_write(&mut self, offset: u64, bytes: &[u8]) -> Result<(), SlotError> {
        let at = usize::try_from(offset).map_err(|_| SlotError)?;
        let end = at.checked_add(bytes.len()).ok_or(SlotError)?;
        self.slot
            .get_mut(at..end)
            .ok_or(SlotError)?
            .copy_from_slice(bytes);
        Ok(())
    }

    fn slot_read(&mut self, offset: u64, buf: &mut [u8]) -> Result<(), SlotError> {
        let at = usize::try_from(offset).map_err(|_| SlotError)?;
        let end = at.checked_add(buf.len()).ok_or(SlotError)?;
        buf.copy_from_slice(self.slot.get(at..end).ok_or(SlotError)?);
        Ok(())
    }

    fn publish(&mut self, len: u64) -> Result<(), SlotError> {
        let len = usize::try_from(len).map_err(|_| SlotError)?;
        let image = self.slot.get(..len).ok_or(SlotError)?;
        let mut out = HostFile::create(self.out.with_nul()).ok_or(SlotError)?;
        for chunk in image.chunks(64 * 1024) {
            out.write_all(chunk).ok_or(SlotError)?;
        }
        Ok(())
    }

    fn log_read(&mut self, offset: u64, buf: &mut [u8]) -> Result<usize, SlotError> {
        let at = usize::try_from(offset).map_err(|_| SlotError)?;
        if at != self.log_at {
            self.log.seek(at).ok_or(SlotError)?;
            self.log_at = at;
        }
        let n = self.log.read(buf).ok_or(SlotError)?;
        self.log_at += n;
        Ok(n)
    }

    fn now_ms(&mut self) -> u64 {
        u64::from(SysTickClock::millis())
    }

    fn pause(&mut self, ms: u64) {
        let until = SysTickClock::millis().wrapping_add(ms as u32);
        while SysTickClock::millis().wrapping_sub(until) > u32::MAX / 2 {
            cortex_m::asm::wfi();
        }
    }
}
