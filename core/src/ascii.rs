//! ASCII (TYPE A) transfers without I/O: splitting what a data connection
//! delivers into lines, and turning line ends into CRLF for uploads. Both
//! twins of the session and any adapter use these, so the rules live once.

use core::ops::Range;

/// Splits the bytes of a data connection into lines inside the caller's
/// buffer: read into [`LineSplitter::space`], say how much arrived with
/// [`LineSplitter::filled`], take lines with [`LineSplitter::next_line`]
/// until `None`, and at the end of the stream take the last one with
/// [`LineSplitter::last_line`]. Lines come without their LF or CRLF.
///
/// ```
/// use ftp_core::ascii::LineSplitter;
/// let mut buf = [0u8; 16];
/// let mut lines = LineSplitter::new();
/// let mut got = Vec::new();
/// for part in [&b"one\r\ntw"[..], b"o\nthree"] {
///     let space = lines.space(&mut buf).unwrap();
///     space[..part.len()].copy_from_slice(part);
///     lines.filled(part.len());
///     while let Some(r) = lines.next_line(&buf) {
///         got.push(buf[r].to_vec());
///     }
/// }
/// if let Some(r) = lines.last_line(&buf) {
///     got.push(buf[r].to_vec());
/// }
/// assert_eq!(got, [b"one".to_vec(), b"two".to_vec(), b"three".to_vec()]);
/// ```
#[derive(Clone, Debug, Default)]
pub struct LineSplitter {
    /// Bytes `start..filled` are received and not yet given out.
    start: usize,
    filled: usize,
    /// Where to look for the next LF (all before it holds none).
    scan: usize,
}

impl LineSplitter {
    /// An empty splitter.
    pub const fn new() -> Self {
        LineSplitter {
            start: 0,
            filled: 0,
            scan: 0,
        }
    }

    /// The part of `buf` to read into (lines given out are dropped first);
    /// `None` when one unfinished line fills the whole buffer.
    pub fn space<'b>(&mut self, buf: &'b mut [u8]) -> Option<&'b mut [u8]> {
        if self.start > 0 {
            buf.copy_within(self.start..self.filled, 0);
            self.scan -= self.start;
            self.filled -= self.start;
            self.start = 0;
        }
        let free = buf.get_mut(self.filled..)?;
        (!free.is_empty()).then_some(free)
    }

    /// Records that `n` bytes were written at the start of the space.
    pub fn filled(&mut self, n: usize) {
        self.filled += n;
    }

    /// The next whole line, without its LF or CRLF.
    pub fn next_line(&mut self, buf: &[u8]) -> Option<Range<usize>> {
        let filled = self.filled.min(buf.len());
        let at = buf.get(self.scan..filled)?.iter().position(|&b| b == b'\n');
        let Some(i) = at else {
            self.scan = filled;
            return None;
        };
        let nl = self.scan + i;
        let line = without_cr(buf, self.start..nl);
        self.start = nl + 1;
        self.scan = self.start;
        Some(line)
    }

    /// At the end of the stream: the last line, when it had no line end.
    pub fn last_line(&mut self, buf: &[u8]) -> Option<Range<usize>> {
        let filled = self.filled.min(buf.len());
        if self.start >= filled {
            return None;
        }
        let line = without_cr(buf, self.start..filled);
        self.start = filled;
        self.scan = filled;
        Some(line)
    }
}

fn without_cr(buf: &[u8], r: Range<usize>) -> Range<usize> {
    if r.end > r.start && buf[r.end - 1] == b'\r' {
        r.start..r.end - 1
    } else {
        r
    }
}

/// Turns line ends into CRLF for an ASCII upload (ftplib's `storlines`):
/// a lone LF becomes CRLF, CRLF stays, and the end of the text gets a
/// line end when it has none ([`CrLf::tail`]).
///
/// ```
/// use ftp_core::ascii::CrLf;
/// let mut crlf = CrLf::new();
/// let mut out = [0u8; 32];
/// let n = crlf.encode(b"a\nb\r\nc", &mut out);
/// assert_eq!(&out[..n], b"a\r\nb\r\nc");
/// assert_eq!(crlf.tail(), b"\r\n");
/// ```
#[derive(Clone, Copy, Debug)]
pub struct CrLf {
    /// The last byte sent: decides how a lone LF and the end look.
    last: u8,
}

impl Default for CrLf {
    fn default() -> Self {
        Self::new()
    }
}

impl CrLf {
    /// At the start of the text.
    pub const fn new() -> Self {
        CrLf { last: b'\n' }
    }

    /// Converts `input` into `out` and returns the length; `out` must hold
    /// twice `input` (every byte could be a lone LF). Stops early, at what
    /// fits, when it does not.
    pub fn encode(&mut self, input: &[u8], out: &mut [u8]) -> usize {
        let mut len = 0;
        for &b in input {
            let need = if b == b'\n' && self.last != b'\r' {
                2
            } else {
                1
            };
            if len + need > out.len() {
                break;
            }
            if need == 2 {
                out[len] = b'\r';
                len += 1;
            }
            out[len] = b;
            len += 1;
            self.last = b;
        }
        len
    }

    /// What ends the text: nothing after a line end, LF after a CR, CRLF
    /// otherwise.
    pub fn tail(&self) -> &'static [u8] {
        match self.last {
            b'\n' => b"",
            b'\r' => b"\n",
            _ => b"\r\n",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::prelude::rust_2024::*;

    fn split(input: &[u8], chunk: usize, cap: usize) -> Option<Vec<Vec<u8>>> {
        let mut buf = vec![0u8; cap];
        let mut lines = LineSplitter::new();
        let mut got = Vec::new();
        for part in input.chunks(chunk.max(1)) {
            let mut part = part;
            while !part.is_empty() {
                let space = lines.space(&mut buf)?;
                let n = space.len().min(part.len());
                space[..n].copy_from_slice(&part[..n]);
                lines.filled(n);
                part = &part[n..];
                while let Some(r) = lines.next_line(&buf) {
                    got.push(buf[r].to_vec());
                }
            }
        }
        if let Some(r) = lines.last_line(&buf) {
            got.push(buf[r].to_vec());
        }
        Some(got)
    }

    #[test]
    fn lines_for_every_chunking() {
        let input = b"drwxr-xr-x 2 0 0 4096 Jan 1 pub\r\nlf only\n\nlast";
        let want: Vec<Vec<u8>> = vec![
            b"drwxr-xr-x 2 0 0 4096 Jan 1 pub".to_vec(),
            b"lf only".to_vec(),
            b"".to_vec(),
            b"last".to_vec(),
        ];
        for chunk in 1..=input.len() {
            assert_eq!(split(input, chunk, 40).unwrap(), want, "chunk {chunk}");
        }
    }

    #[test]
    fn a_line_longer_than_the_buffer_is_refused() {
        assert!(split(b"0123456789abcdef\n", 4, 8).is_none());
        // Exactly the buffer with its LF: fits.
        assert_eq!(
            split(b"0123456\n", 3, 8).unwrap(),
            vec![b"0123456".to_vec()]
        );
    }

    #[test]
    fn crlf_for_every_split() {
        let input = b"a\nb\r\nc\r\rd\n";
        for at in 0..=input.len() {
            let mut crlf = CrLf::new();
            let mut out = vec![0u8; 64];
            let n = crlf.encode(&input[..at], &mut out);
            let m = crlf.encode(&input[at..], &mut out[n..]);
            let mut all = out[..n + m].to_vec();
            all.extend_from_slice(crlf.tail());
            assert_eq!(all, b"a\r\nb\r\nc\r\rd\r\n", "split at {at}");
        }
        let mut crlf = CrLf::new();
        let mut out = [0u8; 8];
        let n = crlf.encode(b"no end", &mut out);
        assert_eq!((&out[..n], crlf.tail()), (&b"no end"[..], &b"\r\n"[..]));
    }
}
