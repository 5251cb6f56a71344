//! Replies: the three-digit code, the reply text, and the incremental reader
//! that assembles RFC 959 replies (single and multi-line) from bytes.
//!
//! The reader does no I/O: the caller reads from its stream into
//! [`ReplyReader::space`], says how much arrived with
//! [`ReplyReader::commit`], and calls [`ReplyReader::parse`] until it says
//! [`Status::Complete`]. The buffer is fixed; a line longer than it is a
//! protocol error, never a panic or an unbounded read.

use core::fmt;

use crate::fault::ProtocolError;
use crate::text::Text;

/// A reply code, 100 to 599.
///
/// ```
/// use ftp_core::Code;
/// let c = Code::new(226).unwrap();
/// assert!(c.is_completion());
/// assert_eq!(c.get(), 226);
/// assert!(Code::new(99).is_none() && Code::new(600).is_none());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Code(u16);

impl Code {
    /// A code from 100 to 599, or `None`.
    pub const fn new(code: u16) -> Option<Code> {
        if code >= 100 && code <= 599 {
            Some(Code(code))
        } else {
            None
        }
    }

    /// The number.
    pub const fn get(self) -> u16 {
        self.0
    }

    /// The first digit: 1 preliminary, 2 completion, 3 intermediate,
    /// 4 transient negative, 5 permanent negative.
    pub const fn class(self) -> u8 {
        (self.0 / 100) as u8
    }

    /// 1xx: the action started, another reply follows.
    pub const fn is_preliminary(self) -> bool {
        self.class() == 1
    }

    /// 2xx: done.
    pub const fn is_completion(self) -> bool {
        self.class() == 2
    }

    /// 3xx: more information is needed (PASS after USER, RNTO after RNFR).
    pub const fn is_intermediate(self) -> bool {
        self.class() == 3
    }

    /// 4xx: failed, may work later (ftplib's error_temp).
    pub const fn is_temporary(self) -> bool {
        self.class() == 4
    }

    /// 5xx: refused (ftplib's error_perm).
    pub const fn is_permanent(self) -> bool {
        self.class() == 5
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A complete reply, borrowed from the reader's buffer.
///
/// `text` is the reply as sent with line ends removed and lines joined by
/// `\n`, code included, as ftplib returns it: `"230 Login successful."`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Reply<'a> {
    code: Code,
    text: &'a [u8],
    truncated: bool,
}

impl<'a> Reply<'a> {
    /// Builds a reply from its parts (for tests and adapters).
    pub const fn new(code: Code, text: &'a [u8], truncated: bool) -> Self {
        Reply {
            code,
            text,
            truncated,
        }
    }

    /// The reply code.
    pub const fn code(&self) -> Code {
        self.code
    }

    /// The whole text, code included, lines joined by `\n`.
    pub const fn text(&self) -> &'a [u8] {
        self.text
    }

    /// True when a multi-line reply was longer than the reader's buffer and
    /// later lines were left out of [`Reply::text`].
    pub const fn is_truncated(&self) -> bool {
        self.truncated
    }

    /// The lines of the text.
    pub fn lines(&self) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.text.split(|&b| b == b'\n')
    }

    /// The first line without its code and separator:
    /// `"Login successful."` for `"230 Login successful."`.
    pub fn message(&self) -> &'a [u8] {
        let first = self.lines().next().unwrap_or_default();
        first.get(4..).unwrap_or_default()
    }
}

impl fmt::Display for Reply<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", Text(self.text))
    }
}

impl fmt::Debug for Reply<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reply")
            .field("code", &self.code.0)
            .field("text", &Text(self.text))
            .field("truncated", &self.truncated)
            .finish()
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for Reply<'_> {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "{}", Text(self.text))
    }
}

/// One line of a reply, given to the line callback of [`ReplyReader::parse`]
/// as soon as it is complete, whatever the buffer keeps of the reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line<'a> {
    /// The line without its line end.
    pub text: &'a [u8],
    /// The first line (it holds the code).
    pub first: bool,
    /// The line that ends the reply.
    pub last: bool,
}

/// What [`ReplyReader::parse`] found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Status {
    /// A whole reply is in; [`ReplyReader::reply`] returns it.
    Complete,
    /// More bytes are needed: read into [`ReplyReader::space`], which is not
    /// empty.
    Incomplete,
}

/// Parses a reply code at the start of a first line: three digits, a value
/// from 100 to 599, followed by nothing, a space or `-`.
fn parse_code(line: &[u8]) -> Result<Code, ProtocolError> {
    let digits = line.get(..3).ok_or(ProtocolError::BadReplyCode)?;
    if !digits.iter().all(u8::is_ascii_digit) || !matches!(line.get(3), None | Some(b' ' | b'-')) {
        return Err(ProtocolError::BadReplyCode);
    }
    let value = digits
        .iter()
        .fold(0u16, |acc, d| acc * 10 + u16::from(d - b'0'));
    Code::new(value).ok_or(ProtocolError::BadReplyCode)
}

/// True for the line that ends a multi-line reply of `code` (RFC 959
/// section 4.2): the same three digits followed by a space, or by nothing.
/// `220-more`, `220x` and `2200` are text inside the reply.
///
/// ```
/// use ftp_core::{Code, reply::ends_multiline};
/// let code = Code::new(220).unwrap();
/// assert!(ends_multiline(code, b"220 ready") && ends_multiline(code, b"220"));
/// assert!(!ends_multiline(code, b"220x") && !ends_multiline(code, b"2200 not yet"));
/// assert!(!ends_multiline(code, b"220-more"));
/// ```
pub fn ends_multiline(code: Code, line: &[u8]) -> bool {
    let d = code.get();
    let digits = [
        b'0' + (d / 100) as u8,
        b'0' + (d / 10 % 10) as u8,
        b'0' + (d % 10) as u8,
    ];
    line.starts_with(&digits) && matches!(line.get(3), None | Some(b' '))
}

/// An incremental reader of replies over a fixed buffer of `N` bytes.
///
/// The buffer holds the text kept of the reply being read followed by bytes
/// not yet parsed. Bytes that arrive after a reply (a 226 right behind its
/// 150) stay for the next call.
///
/// ```
/// use ftp_core::reply::{ReplyReader, Status};
/// let mut r = ReplyReader::<64>::new();
/// let mut parts: &[&[u8]] = &[b"230-Welcome\r\n23", b"0 Logged in\r\n"];
/// loop {
///     match r.parse(|_line| {}).unwrap() {
///         Status::Complete => break,
///         Status::Incomplete => {
///             let n = r.feed(parts[0]);
///             assert_eq!(n, parts[0].len());
///             parts = &parts[1..];
///         }
///     }
/// }
/// let reply = r.reply().unwrap();
/// assert_eq!(reply.code().get(), 230);
/// assert_eq!(reply.text(), b"230-Welcome\n230 Logged in");
/// ```
pub struct ReplyReader<const N: usize> {
    buf: [u8; N],
    /// Bytes `..text_len` are the kept text of the current reply.
    text_len: usize,
    /// Length of the first line inside the kept text.
    first_len: usize,
    /// Bytes `scan..end` are received and not yet parsed.
    scan: usize,
    end: usize,
    code: Option<Code>,
    truncated: bool,
    complete: bool,
    /// After an error: the reader stands at a line boundary with nothing
    /// half-read, so the next reply can be read.
    in_step: bool,
}

impl<const N: usize> Default for ReplyReader<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> ReplyReader<N> {
    /// An empty reader.
    pub const fn new() -> Self {
        ReplyReader {
            buf: [0; N],
            text_len: 0,
            first_len: 0,
            scan: 0,
            end: 0,
            code: None,
            truncated: false,
            complete: false,
            in_step: true,
        }
    }

    /// Forgets everything: the current reply and any unparsed bytes.
    pub fn reset(&mut self) {
        self.text_len = 0;
        self.first_len = 0;
        self.scan = 0;
        self.end = 0;
        self.code = None;
        self.truncated = false;
        self.complete = false;
        self.in_step = true;
    }

    /// After [`ReplyReader::parse`] failed: true when the error was a whole
    /// line that is not a reply (no code, a code out of range) and not the
    /// start of a multi-line reply. The line was dropped and the reader can
    /// go on with the next line; the session is still in step (as ftplib
    /// raises `error_proto` and goes on). False after an over-long line or
    /// a malformed multi-line start: where that reply ends is unknown.
    pub fn in_step(&self) -> bool {
        self.in_step
    }

    /// The free part of the buffer to read into. Not empty after
    /// [`ReplyReader::parse`] returned [`Status::Incomplete`].
    pub fn space(&mut self) -> &mut [u8] {
        &mut self.buf[self.end..]
    }

    /// Records that `n` bytes were written at the start of
    /// [`ReplyReader::space`]. Larger values are clamped to the space.
    pub fn commit(&mut self, n: usize) {
        self.end = (self.end + n).min(N);
    }

    /// Free space for building a command to send: forgets the last complete
    /// reply (its text is no longer needed once a new command goes out) and
    /// moves bytes that arrived early to the front.
    pub fn scratch(&mut self) -> &mut [u8] {
        if self.complete {
            self.start_next();
        }
        if self.code.is_none() && self.scan > 0 {
            let len = self.end - self.scan;
            self.buf.copy_within(self.scan..self.end, 0);
            self.scan = 0;
            self.end = len;
        }
        &mut self.buf[self.end..]
    }

    /// Copies as much of `bytes` as fits into the free space; returns how many.
    pub fn feed(&mut self, bytes: &[u8]) -> usize {
        let space = self.space();
        let n = bytes.len().min(space.len());
        space[..n].copy_from_slice(&bytes[..n]);
        self.commit(n);
        n
    }

    /// Bytes received beyond the last complete reply.
    pub fn pending(&self) -> &[u8] {
        &self.buf[self.scan..self.end]
    }

    /// The last complete reply, if the reader holds one.
    pub fn reply(&self) -> Option<Reply<'_>> {
        Some(Reply {
            code: self.code.filter(|_| self.complete)?,
            text: &self.buf[..self.text_len],
            truncated: self.truncated,
        })
    }

    /// The text of the last complete reply, mutable (to decode it in place).
    pub fn reply_text_mut(&mut self) -> Option<&mut [u8]> {
        if self.complete {
            Some(&mut self.buf[..self.text_len])
        } else {
            None
        }
    }

    /// Parses the buffered bytes. Calls `on_line` for each line as it is
    /// completed and returns [`Status::Complete`] at the end of a reply.
    ///
    /// After a complete reply, the next call starts a new one. After an
    /// error, [`ReplyReader::in_step`] says whether parsing can go on;
    /// otherwise the reader's state is undefined until
    /// [`ReplyReader::reset`].
    pub fn parse<F>(&mut self, mut on_line: F) -> Result<Status, ProtocolError>
    where
        F: FnMut(Line<'_>),
    {
        if self.complete {
            self.start_next();
        }
        self.in_step = false;
        loop {
            let Some(i) = self.buf[self.scan..self.end]
                .iter()
                .position(|&b| b == b'\n')
            else {
                self.make_room()?;
                return Ok(Status::Incomplete);
            };
            let start = self.scan;
            let mut stop = start + i;
            self.scan = stop + 1;
            if stop > start && self.buf[stop - 1] == b'\r' {
                stop -= 1;
            }
            let line = &self.buf[start..stop];
            let first = self.code.is_none();
            let last = match self.code {
                None => match parse_code(line) {
                    Ok(code) => {
                        self.code = Some(code);
                        line.get(3) != Some(&b'-')
                    }
                    Err(e) => {
                        // A whole line that is no reply. Unless it looks
                        // like the start of a multi-line reply (whose end
                        // nobody can know), it is dropped and the reader
                        // goes on at the next line.
                        self.in_step = line.get(3) != Some(&b'-');
                        self.text_len = 0;
                        self.first_len = 0;
                        return Err(e);
                    }
                },
                Some(code) => ends_multiline(code, line),
            };
            on_line(Line {
                text: line,
                first,
                last,
            });
            self.keep(start, stop, first);
            if last {
                self.complete = true;
                return Ok(Status::Complete);
            }
        }
    }

    fn start_next(&mut self) {
        self.text_len = 0;
        self.first_len = 0;
        self.code = None;
        self.truncated = false;
        self.complete = false;
        if self.scan == self.end {
            self.scan = 0;
            self.end = 0;
        }
    }

    /// Appends the line `start..stop` to the kept text. The line lies at or
    /// after the kept text, so it moves left or stays; no space is needed.
    fn keep(&mut self, start: usize, stop: usize, first: bool) {
        if self.truncated {
            return;
        }
        let mut at = self.text_len;
        if !first {
            // `start > text_len` always holds here: the previous line's own
            // line end or make_room's gap lies between them.
            self.buf[at] = b'\n';
            at += 1;
        }
        self.buf.copy_within(start..stop, at);
        self.text_len = at + (stop - start);
        if first {
            self.first_len = self.text_len;
        }
    }

    /// Makes free space when the buffer is full and holds no line end:
    /// moves unparsed bytes left, drops kept text if needed (the reply is
    /// then marked truncated), and fails only when one line fills it all.
    fn make_room(&mut self) -> Result<(), ProtocolError> {
        if self.end < N {
            return Ok(());
        }
        let gap = |text_len: usize| if text_len > 0 { text_len + 1 } else { 0 };
        if self.scan <= gap(self.text_len) && self.text_len > 0 {
            self.truncated = true;
            self.text_len = if gap(self.first_len) < self.scan {
                self.first_len
            } else {
                0
            };
        }
        let target = gap(self.text_len);
        if self.scan <= target {
            return Err(ProtocolError::LineTooLong);
        }
        let len = self.end - self.scan;
        self.buf.copy_within(self.scan..self.end, target);
        self.scan = target;
        self.end = target + len;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::prelude::rust_2024::*;

    /// Feeds `input` in chunks of `chunk` bytes; returns the replies' codes
    /// and texts, or the first error.
    fn read_all<const N: usize>(
        input: &[u8],
        chunk: usize,
    ) -> Result<heapless::Vec<(u16, heapless::Vec<u8, 256>), 16>, ProtocolError> {
        let mut r = ReplyReader::<N>::new();
        let mut out = heapless::Vec::new();
        let mut rest = input;
        loop {
            match r.parse(|_| {})? {
                Status::Complete => {
                    let reply = r.reply().unwrap();
                    let mut t = heapless::Vec::new();
                    t.extend_from_slice(reply.text()).unwrap();
                    out.push((reply.code().get(), t)).unwrap();
                }
                Status::Incomplete => {
                    if rest.is_empty() {
                        return Ok(out);
                    }
                    let n = r.feed(&rest[..chunk.min(rest.len())]);
                    assert!(n > 0, "no space after Incomplete");
                    rest = &rest[n..];
                }
            }
        }
    }

    #[test]
    fn single_line() {
        let r = read_all::<64>(b"220 (vsFTPd 3.0.3)\r\n", 100).unwrap();
        assert_eq!(r[0].0, 220);
        assert_eq!(&r[0].1[..], b"220 (vsFTPd 3.0.3)");
    }

    #[test]
    fn rfc959_multiline_with_inner_digits_and_spaces() {
        let input = b"123-First line\r\nSecond line\r\n  234 A line beginning with numbers\r\n234 not the end\r\n123 The last line\r\n";
        let r = read_all::<128>(input, 3).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].0, 123);
        assert_eq!(
            &r[0].1[..],
            &b"123-First line\nSecond line\n  234 A line beginning with numbers\n234 not the end\n123 The last line"[..]
        );
    }

    #[test]
    fn inner_line_with_same_code_and_dash_does_not_end() {
        let input = b"211-Features:\r\n211-still\r\n MDTM\r\n211 End\r\n";
        let r = read_all::<64>(input, 1).unwrap();
        assert_eq!(
            &r[0].1[..],
            &b"211-Features:\n211-still\n MDTM\n211 End"[..]
        );
    }

    #[test]
    fn lf_only_and_bare_code() {
        let r = read_all::<64>(b"200\n331 Password\n", 64).unwrap();
        assert_eq!(r[0].0, 200);
        assert_eq!(&r[0].1[..], b"200");
        assert_eq!(r[1].0, 331);
    }

    #[test]
    fn two_replies_in_one_read_keep_the_second() {
        let r = read_all::<64>(b"150 Opening\r\n226 Done\r\n", 64).unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(&r[1].1[..], b"226 Done");
    }

    #[test]
    fn bad_codes_are_protocol_errors() {
        for input in [
            &b"hello\r\n"[..],
            b"99 x\r\n",
            b"099 x\r\n",
            b"999 x\r\n",
            b"600 x\r\n",
            b"\r\n",
            b"2a0 x\r\n",
        ] {
            assert_eq!(
                read_all::<64>(input, 64).unwrap_err(),
                ProtocolError::BadReplyCode,
                "{input:?}"
            );
        }
    }

    #[test]
    fn only_the_code_and_a_space_end_a_multiline_reply() {
        // RFC 959 4.2: `220x` and `2200` are text; `220 ` ends the reply.
        let input: &[u8] =
            b"220-Welcome\r\n220x not the end\r\n2200 nor this\r\n220-nor this\r\n220 the end\r\n331 next\r\n";
        let want: &[u8] =
            b"220-Welcome\n220x not the end\n2200 nor this\n220-nor this\n220 the end";
        for split in 0..=input.len() {
            let mut r = ReplyReader::<128>::new();
            let mut replies: heapless::Vec<heapless::Vec<u8, 128>, 4> = heapless::Vec::new();
            for part in [&input[..split], &input[split..]] {
                assert_eq!(r.feed(part), part.len());
                while r.parse(|_| {}).unwrap() == Status::Complete {
                    let text = heapless::Vec::from_slice(r.reply().unwrap().text()).unwrap();
                    replies.push(text).unwrap();
                }
            }
            assert_eq!(replies.len(), 2, "split at {split}");
            assert_eq!(&replies[0][..], want, "split at {split}");
            assert_eq!(&replies[1][..], b"331 next", "split at {split}");
        }
        // A bare code ends it too (nothing follows that could be text).
        let r = read_all::<64>(b"211-a\r\n211\r\n200 ok\r\n", 1).unwrap();
        assert_eq!(&r[0].1[..], b"211-a\n211");
        assert_eq!(r[1].0, 200);
    }

    #[test]
    fn a_whole_malformed_line_is_an_error_the_reader_survives() {
        for bad in [
            &b"hello\r\n"[..],
            b"999 out of range\r\n",
            b"099 x\n",
            b"2200 glued\r\n",
            b"220x\r\n",
        ] {
            let mut input = bad.to_vec();
            input.extend_from_slice(b"250 next\r\n");
            for chunk in [1, 2, 5, 100] {
                let mut r = ReplyReader::<64>::new();
                let mut rest = &input[..];
                let mut errors = 0;
                let code = loop {
                    match r.parse(|_| {}) {
                        Ok(Status::Complete) => break r.reply().unwrap().code().get(),
                        Ok(Status::Incomplete) => {
                            let n = r.feed(&rest[..chunk.min(rest.len())]);
                            assert!(n > 0, "{bad:?}: input ended");
                            rest = &rest[n..];
                        }
                        Err(e) => {
                            assert_eq!(e, ProtocolError::BadReplyCode);
                            assert!(r.in_step(), "{bad:?}");
                            errors += 1;
                        }
                    }
                };
                assert_eq!((errors, code), (1, 250), "{bad:?} in chunks of {chunk}");
            }
        }
        // Where the reply ends is unknown: not in step.
        let mut r = ReplyReader::<64>::new();
        r.feed(b"999-multi\r\n");
        assert_eq!(r.parse(|_| {}), Err(ProtocolError::BadReplyCode));
        assert!(!r.in_step());
        let mut r = ReplyReader::<16>::new();
        r.feed(b"220 aaaaaaaaaaaaaaaaaaaa");
        assert_eq!(r.parse(|_| {}), Err(ProtocolError::LineTooLong));
        assert!(!r.in_step());
    }

    #[test]
    fn overlong_line_is_an_error() {
        let mut input = [b'x'; 100];
        input[..4].copy_from_slice(b"220 ");
        assert_eq!(
            read_all::<32>(&input, 7).unwrap_err(),
            ProtocolError::LineTooLong
        );
    }

    #[test]
    fn line_exactly_filling_buffer_needs_its_end_inside() {
        // 30 bytes of text + CRLF = 32: fits exactly.
        let mut input = [b'a'; 32];
        input[..4].copy_from_slice(b"200 ");
        input[30] = b'\r';
        input[31] = b'\n';
        let r = read_all::<32>(&input, 5).unwrap();
        assert_eq!(r[0].1.len(), 30);
    }

    #[test]
    fn long_multiline_reply_is_truncated_not_failed() {
        let mut input: heapless::Vec<u8, 1024> = heapless::Vec::new();
        input.extend_from_slice(b"211-Features:\r\n").unwrap();
        for _ in 0..40 {
            input.extend_from_slice(b" FEATURE\r\n").unwrap();
        }
        input.extend_from_slice(b"211 End\r\n").unwrap();
        let mut r = ReplyReader::<48>::new();
        let mut lines = 0;
        let mut rest = &input[..];
        loop {
            match r.parse(|_| lines += 1).unwrap() {
                Status::Complete => break,
                Status::Incomplete => {
                    let n = r.feed(&rest[..rest.len().min(5)]);
                    rest = &rest[n..];
                }
            }
        }
        let reply = r.reply().unwrap();
        assert_eq!(lines, 42, "every line reaches the callback");
        assert!(reply.is_truncated());
        assert_eq!(reply.code().get(), 211);
        assert!(reply.text().starts_with(b"211-Features:"));
    }

    #[test]
    fn line_callback_flags() {
        let mut r = ReplyReader::<64>::new();
        r.feed(b"230-a\r\n b\r\n230 c\r\n");
        let mut seen: heapless::Vec<(bool, bool), 4> = heapless::Vec::new();
        assert_eq!(
            r.parse(|l| seen.push((l.first, l.last)).unwrap()).unwrap(),
            Status::Complete
        );
        assert_eq!(&seen[..], &[(true, false), (false, false), (false, true)]);
    }

    #[test]
    fn real_server_shapes() {
        let cases: &[(&[u8], u16, usize)] = &[
            // vsftpd
            (b"220 (vsFTPd 3.0.3)\r\n", 220, 1),
            (b"211-Features:\r\n EPRT\r\n EPSV\r\n MDTM\r\n PASV\r\n REST STREAM\r\n SIZE\r\n TVFS\r\n211 End\r\n", 211, 9),
            // ProFTPD
            (b"220 ProFTPD Server (Debian) [::ffff:127.0.0.1]\r\n", 220, 1),
            (b"230-Welcome, archive user anonymous@localhost !\r\n230-\r\n230-The local time is: Mon Nov 24 01:00:00 2026\r\n230 Anonymous access granted, restrictions apply\r\n", 230, 4),
            // Pure-FTPd
            (b"220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\r\n220-You are user number 1 of 50 allowed.\r\n220-Local time is now 01:00. Server port: 21.\r\n220 You will be disconnected after 15 minutes of inactivity.\r\n", 220, 4),
            // IIS
            (b"220 Microsoft FTP Service\r\n", 220, 1),
            (b"211-Extended features supported:\r\n LANG EN*\r\n UTF8\r\n AUTH TLS;TLS-C;SSL;TLS-P;\r\n211 END\r\n", 211, 5),
            // FileZilla Server
            (b"220-FileZilla Server 1.8.0\r\n220 Please visit https://filezilla-project.org/\r\n", 220, 2),
            // pyftpdlib
            (b"214-The following commands are recognized:\r\n ABOR ALLO APPE CDUP CWD  DELE EPRT EPSV\r\n214 Help command successful.\r\n", 214, 3),
        ];
        for (input, code, lines) in cases {
            for chunk in [1, 3, 64, 1000] {
                let r = read_all::<256>(input, chunk).unwrap();
                assert_eq!(r.len(), 1, "{:?}", Text(input));
                assert_eq!(r[0].0, *code);
                assert_eq!(r[0].1.split(|&b| b == b'\n').count(), *lines);
            }
        }
    }

    #[test]
    fn message_strips_the_code() {
        let code = Code::new(230).unwrap();
        assert_eq!(Reply::new(code, b"230 OK", false).message(), b"OK");
        assert_eq!(Reply::new(code, b"230", false).message(), b"");
    }
}
