//! Semihosting: what the host gives the program (QEMU with
//! `-semihosting-config enable=on,target=native`).

use core::fmt::{self, Write};

use cortex_m_semihosting::{debug, hio, nr, syscall, syscall1};

/// Prints to the host's standard output.
pub fn print(args: fmt::Arguments) {
    if let Ok(mut out) = hio::hstdout() {
        let _ = out.write_fmt(args);
    }
}

/// Prints to the host's standard error.
pub fn eprint(args: fmt::Arguments) {
    if let Ok(mut out) = hio::hstderr() {
        let _ = out.write_fmt(args);
    }
}

/// Ends the run: QEMU exits with `status`.
pub fn exit(status: u8) -> ! {
    if status == 0 {
        debug::exit(debug::EXIT_SUCCESS);
    } else {
        // ADP_Stopped_RunTimeErrorUnknown with a subcode: QEMU exits 1 for
        // any failure through the 32-bit interface.
        debug::exit(debug::EXIT_FAILURE);
    }
    loop {
        cortex_m::asm::wfi();
    }
}

/// The command line QEMU was given with `-semihosting-config arg=...`,
/// into `buf`: the program name and its arguments, separated by spaces.
pub fn command_line(buf: &mut [u8]) -> Option<&str> {
    let mut block = [buf.as_mut_ptr() as usize, buf.len()];
    // SAFETY: SYS_GET_CMDLINE writes at most `buf.len()` bytes into `buf`
    // and the length into the block's second word.
    let failed = unsafe { syscall1!(GET_CMDLINE, block.as_mut_ptr()) };
    if failed != 0 {
        return None;
    }
    let len = block[1].min(buf.len());
    core::str::from_utf8(&buf[..len]).ok()
}

/// The program's arguments (the command line without the program name),
/// each percent-decoded in place in `buf`: scripts/qemu-device.sh passes
/// `%`, space and comma as `%25`, `%20` and `%2C`, since semihosting joins
/// the arguments with spaces and QEMU splits its options at commas. At
/// most `M` arguments.
pub fn arguments<const M: usize>(buf: &mut [u8]) -> Option<heapless::Vec<&str, M>> {
    let len = command_line(buf)?.len();
    let mut out = heapless::Vec::new();
    let mut rest = &mut buf[..len];
    let mut first = true;
    loop {
        // Skip the spaces between words.
        let start = rest.iter().position(|&b| b != b' ')?;
        let (_, tail) = core::mem::take(&mut rest).split_at_mut(start);
        let end = tail.iter().position(|&b| b == b' ').unwrap_or(tail.len());
        let (word, after) = tail.split_at_mut(end);
        rest = after;
        let n = percent_decode(word)?;
        let text = core::str::from_utf8(&word[..n]).ok()?;
        if first {
            first = false;
        } else {
            out.push(text).ok()?;
        }
        if rest.is_empty() {
            return Some(out);
        }
    }
}

/// Decodes `%XX` in place; the decoded length.
fn percent_decode(word: &mut [u8]) -> Option<usize> {
    let (mut r, mut w) = (0, 0);
    while r < word.len() {
        let b = if word[r] == b'%' {
            let hex = word.get(r + 1..r + 3)?;
            let hex = core::str::from_utf8(hex).ok()?;
            r += 3;
            u8::from_str_radix(hex, 16).ok()?
        } else {
            r += 1;
            word[r - 1]
        };
        word[w] = b;
        w += 1;
    }
    Some(w)
}

/// The host's time in seconds (SYS_TIME): a seed where the board has no
/// random number generator.
pub fn time() -> u32 {
    // SAFETY: SYS_TIME takes no argument.
    unsafe { syscall1!(TIME, 0) as u32 }
}

/// A file of the host, open for reading or writing.
pub struct HostFile(usize);

impl HostFile {
    /// Opens `path` (NUL-terminated) for reading, binary.
    pub fn open_read(path: &[u8]) -> Option<HostFile> {
        open(path, nr::open::R_BINARY)
    }

    /// Opens `path` (NUL-terminated) for writing, truncated, binary.
    pub fn create(path: &[u8]) -> Option<HostFile> {
        open(path, nr::open::W_TRUNC_BINARY)
    }

    /// Its length in bytes.
    pub fn len(&self) -> Option<usize> {
        // SAFETY: SYS_FLEN reads the handle only.
        let n = unsafe { syscall!(FLEN, self.0) } as isize;
        (n >= 0).then_some(n as usize)
    }

    /// Whether it is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == Some(0)
    }

    /// Reads into `buf`; returns how many bytes came (0 at the end).
    pub fn read(&mut self, buf: &mut [u8]) -> Option<usize> {
        // SAFETY: SYS_READ writes at most `buf.len()` bytes into `buf` and
        // returns how many it did not.
        let left = unsafe { syscall!(READ, self.0, buf.as_mut_ptr(), buf.len()) };
        (left <= buf.len()).then(|| buf.len() - left)
    }

    /// Moves to `offset` from the start.
    pub fn seek(&mut self, offset: usize) -> Option<()> {
        // SAFETY: SYS_SEEK takes the handle and the offset only.
        let failed = unsafe { syscall!(SEEK, self.0, offset) };
        (failed == 0).then_some(())
    }

    /// Writes all of `bytes`.
    pub fn write_all(&mut self, bytes: &[u8]) -> Option<()> {
        // SAFETY: SYS_WRITE reads `bytes.len()` bytes of `bytes`.
        let left = unsafe { syscall!(WRITE, self.0, bytes.as_ptr(), bytes.len()) };
        (left == 0).then_some(())
    }
}

impl Drop for HostFile {
    fn drop(&mut self) {
        // SAFETY: SYS_CLOSE takes the handle only.
        unsafe {
            syscall!(CLOSE, self.0);
        }
    }
}

fn open(path: &[u8], mode: usize) -> Option<HostFile> {
    if path.last() != Some(&0) {
        return None;
    }
    // SAFETY: SYS_OPEN reads the NUL-terminated path (its length without
    // the NUL is the third argument).
    let handle = unsafe { syscall!(OPEN, path.as_ptr(), mode, path.len() - 1) } as isize;
    (handle >= 0).then_some(HostFile(handle as usize))
}

/// `print!` to the host's standard output.
#[macro_export]
macro_rules! print {
    ($($arg:tt)*) => { $crate::host::print(format_args!($($arg)*)) };
}

/// `println!` to the host's standard output.
#[macro_export]
macro_rules! println {
    ($($arg:tt)*) => { $crate::host::print(format_args!("{}\n", format_args!($($arg)*))) };
}
