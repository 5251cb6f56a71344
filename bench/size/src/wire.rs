//! What both size programs share: bytes that look like a server (the
//! optimizer is told nothing of them) and a transport over them.

use core::hint::black_box;

use embedded_io::{ErrorKind, ErrorType};

/// The server's side of the session.
pub static SCRIPT: &[u8] = b"220 ready\r\n331 password\r\n230 in\r\n250 ok\r\n200 type\r\n\
229 (|||40000|)\r\n150 list\r\n226 done\r\n200 type\r\n229 (|||40001|)\r\n150 data\r\n\
226 done\r\n221 bye\r\n\r\n\r\n";

/// A transport reading the script and writing into nothing.
pub struct Wire {
    pub at: usize,
}

impl ErrorType for Wire {
    type Error = ErrorKind;
}

impl Wire {
    /// The next bytes of the script into `buf`.
    pub fn take(&mut self, buf: &mut [u8]) -> usize {
        let src = black_box(SCRIPT);
        let n = buf.len().min(src.len().saturating_sub(self.at));
        buf[..n].copy_from_slice(&src[self.at..self.at + n]);
        self.at = black_box(self.at + n);
        n
    }
}

/// Whether a stray reply waits: the optimizer cannot know.
impl embedded_io::ReadReady for Wire {
    fn read_ready(&mut self) -> Result<bool, ErrorKind> {
        Ok(black_box(self.at) == usize::MAX)
    }
}
