// The data transfers of both twins, driven here, not through the core's
// callback methods: the core's `ntransfercmd` opens the data connection,
// these loops move the bytes, and the core's `finish_transfer` ends it
// (close, final reply, the completion rule, a timed-out stream
// abandoned).
//
// Why not the core's `retrbinary(.., async |block| ..)`: rustc (1.95)
// cannot prove a future `Send` when it awaits an async closure that takes
// a borrowed argument ("implementation of `Send` is not general enough",
// rust-lang/rust#64552), and tokio's `spawn` needs `Send`. Loops with
// sync callbacks and trait methods have no such closure, so every future
// of `ftp_std::tokio` can be spawned.

use std::io;

use ftp_core::TransferType;
use ftp_core::ascii::{CrLf, LineSplitter};

use super::bisync;
use super::client::Ftp;
use super::net;
use super::rt::{self, DataRead as _, DataWrite as _, Sink, Source};

/// The core's error over std I/O: `Io` for the network, `Callback` for the
/// caller's side (a local file, the caller's reader or writer).
pub(crate) type CoreError = ftp_core::Error<io::Error>;

/// An open data transfer.
pub(crate) struct Open {
    stream: net::CoreStream,
    /// The size the 150 reply announced, to be checked (binary downloads
    /// from offset 0 only).
    expected: Option<u64>,
    /// Bytes read so far.
    received: u64,
    lines: LineSplitter,
    eof: bool,
}

/// What an open transfer carries.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    /// A binary download: the announced size is checked.
    Blocks,
    /// Text (ASCII).
    Lines,
    /// A listing: ASCII, or the binary type already set.
    Listing,
    /// An upload.
    Upload(TransferType),
}

#[bisync]
impl Ftp {
    /// TYPE (when it changes), then the command's data connection.
    pub(crate) async fn open_data(
        &mut self,
        cmd: &[u8],
        flow: Flow,
        rest: Option<u64>,
    ) -> Result<Open, CoreError> {
        let kind = match flow {
            Flow::Blocks => TransferType::Binary,
            Flow::Lines => TransferType::Ascii,
            // A listing keeps a binary type already set (its lines split
            // at CRLF or LF alike): no TYPE A / TYPE I pair around each
            // listing of a session that downloads too.
            Flow::Listing => match self.session.transfer_type() {
                Some(TransferType::Binary) => TransferType::Binary,
                _ => TransferType::Ascii,
            },
            Flow::Upload(kind) => kind,
        };
        self.session.set_type(kind).await?;
        let (stream, announced) = self.session.ntransfercmd(cmd, rest).await?;
        Ok(Open {
            stream,
            expected: announced.filter(|_| flow == Flow::Blocks && rest.is_none()),
            received: 0,
            lines: LineSplitter::new(),
            eof: false,
        })
    }

    /// The next block of a download (at most the session's blocksize);
    /// `None` at its end.
    pub(crate) async fn next_block(&mut self, t: &mut Open) -> Result<Option<&[u8]>, CoreError> {
        go_on(self.options().cancel.as_ref())?;
        let limit = self.options().rate_limit.clone();
        let room = limit.as_ref().map_or(self.buf.len(), |l| l.block(self.buf.len()));
        let n = t
            .stream
            .read(&mut self.buf[..room])
            .await
            .map_err(ftp_core::Error::Io)?;
        if n == 0 {
            t.eof = true;
            return Ok(None);
        }
        t.received += n as u64;
        // Read, then wait its turn: the next read comes at the pace, and
        // the server's window closes meanwhile.
        if let Some(limit) = limit {
            paced(&limit, n).await;
        }
        Ok(Some(&self.buf[..n]))
    }

    /// The next line of a listing or text, without its CRLF or LF; `None`
    /// at the end. A line longer than the session's buffer is
    /// `BufferTooSmall`.
    pub(crate) async fn next_line(&mut self, t: &mut Open) -> Result<Option<&mut [u8]>, CoreError> {
        loop {
            if let Some(r) = t.lines.next_line(&self.buf) {
                return Ok(Some(&mut self.buf[r]));
            }
            if t.eof {
                return Ok(None);
            }
            go_on(self.options().cancel.as_ref())?;
            let space = t
                .lines
                .space(&mut self.buf)
                .ok_or(ftp_core::Error::BufferTooSmall)?;
            let n = t.stream.read(space).await.map_err(ftp_core::Error::Io)?;
            if n == 0 {
                t.eof = true;
                return Ok(t.lines.last_line(&self.buf).map(|r| &mut self.buf[r]));
            }
            t.lines.filled(n);
        }
    }

    /// Ends a transfer: `outcome` is how the data went; the final reply
    /// is read whatever it was (see the core's `finish_transfer`).
    pub(crate) async fn close_data(
        &mut self,
        t: Open,
        outcome: Result<(), CoreError>,
    ) -> Result<crate::Reply, CoreError> {
        // A download whose data ended: the next transfer's passive command
        // goes out with the end of this one (see the core's
        // `request_early_passive`).
        if t.eof && outcome.is_ok() && self.options().pipeline {
            self.session.request_early_passive();
        }
        let reply = self
            .session
            .finish_transfer(t.stream, outcome, t.expected, t.received)
            .await?;
        Ok(crate::Reply::from_core(reply))
    }

    /// Ends a download the caller has all it wants of: the data
    /// connection is reset and the server's final reply read (226, or the
    /// 426 the reset causes; see the core's `stop_transfer`).
    pub(crate) async fn stop_data(&mut self, t: Open) -> Result<crate::Reply, CoreError> {
        Ok(crate::Reply::from_core(
            self.session.stop_transfer(t.stream).await?,
        ))
    }

    /// A binary download into `out`; returns the bytes and the reply.
    pub(crate) async fn retr_to<W: Sink + ?Sized>(
        &mut self,
        cmd: &[u8],
        out: &mut W,
        rest: Option<u64>,
    ) -> Result<(u64, crate::Reply), CoreError> {
        let mut t = self.open_data(cmd, Flow::Blocks, rest).await?;
        let outcome = loop {
            match self.next_block(&mut t).await {
                Ok(Some(block)) => {
                    if let Err(e) = out.put(block).await {
                        break Err(ftp_core::Error::Callback(e));
                    }
                }
                Ok(None) => break out.done().await.map_err(ftp_core::Error::Callback),
                Err(e) => break Err(e),
            }
        };
        let received = t.received;
        let reply = self.close_data(t, outcome).await?;
        Ok((received, reply))
    }

    /// A listing or text (`flow`: [`Flow::Lines`] or [`Flow::Listing`]),
    /// each line (CRLF or LF removed) to `on_line`.
    pub(crate) async fn lines_of(
        &mut self,
        cmd: &[u8],
        flow: Flow,
        mut on_line: impl FnMut(&mut [u8]) -> Result<(), CoreError>,
    ) -> Result<crate::Reply, CoreError> {
        let mut t = match self.open_data(cmd, flow, None).await {
            Ok(t) => t,
            // "450 No files found" (an empty directory, a pattern that
            // matches nothing): an empty listing, as in the core.
            Err(ftp_core::Error::Temporary(r) | ftp_core::Error::Permanent(r))
                if flow == Flow::Listing && ftp_core::replies::no_files(r.code(), r.text()) =>
            {
                return Ok(crate::Reply::from_core(
                    self.session
                        .last_reply()
                        .unwrap_or_else(|| ftp_core::Reply::new(r.code(), r.text(), false)),
                ));
            }
            Err(e) => return Err(e),
        };
        let outcome = loop {
            match self.next_line(&mut t).await {
                Ok(Some(line)) => {
                    if let Err(e) = on_line(line) {
                        break Err(e);
                    }
                }
                Ok(None) => break Ok(()),
                Err(e) => break Err(e),
            }
        };
        let reply = self.close_data(t, outcome).await?;
        // A 226 that says the directory could not be read (vsftpd) is no
        // empty directory.
        if flow == Flow::Listing
            && ftp_core::replies::listing_failed(reply.text().as_bytes())
            && let Some(code) = ftp_core::Code::new(reply.code())
        {
            let core = ftp_core::Reply::new(code, reply.text().as_bytes(), false);
            return Err(ftp_core::Error::Unexpected(
                ftp_core::ReplyError::from_reply(&core),
            ));
        }
        Ok(reply)
    }

    /// An upload of what `input` gives (binary, or ASCII with its line
    /// ends made CRLF); `on_block` gets the size of each block sent.
    pub(crate) async fn stor_from<R: Source + ?Sized>(
        &mut self,
        cmd: &[u8],
        kind: TransferType,
        input: &mut R,
        rest: Option<u64>,
        mut on_block: impl FnMut(usize),
    ) -> Result<crate::Reply, CoreError> {
        let mut t = self.open_data(cmd, Flow::Upload(kind), rest).await?;
        let cancel = self.options().cancel.clone();
        let limit = self.options().rate_limit.clone();
        let mut on_block = |n| {
            on_block(n);
            go_on(cancel.as_ref())
        };
        // Blocks of a twentieth of a second's worth, each at its turn
        // (text grows by its CRs: a third of the buffer is read).
        let whole = self.buf.len();
        let room = match (&limit, kind) {
            (Some(l), TransferType::Binary) => l.block(whole),
            (Some(l), TransferType::Ascii) => l.block(whole / 3).max(1) * 3,
            (None, _) => whole,
        };
        let buf = &mut self.buf[..room.min(whole)];
        let limit = limit.as_ref();
        let outcome = match kind {
            TransferType::Binary => send_blocks(&mut t, buf, input, limit, &mut on_block).await,
            TransferType::Ascii => send_lines(&mut t, buf, input, limit, &mut on_block).await,
        };
        self.close_data(t, outcome).await
    }
}

/// Sends what `input` gives, block by block, then flushes.
#[bisync]
async fn send_blocks<R: Source + ?Sized>(
    t: &mut Open,
    buf: &mut [u8],
    input: &mut R,
    limit: Option<&crate::RateLimit>,
    on_block: &mut impl FnMut(usize) -> Result<(), CoreError>,
) -> Result<(), CoreError> {
    loop {
        let n = input.take(buf).await.map_err(ftp_core::Error::Callback)?;
        if n == 0 {
            return t.stream.flush().await.map_err(ftp_core::Error::Io);
        }
        if let Some(limit) = limit {
            paced(limit, n).await;
        }
        t.stream
            .write_all(&buf[..n])
            .await
            .map_err(ftp_core::Error::Io)?;
        on_block(n)?;
    }
}

/// Sends text with its line ends made CRLF: a third of `buf` is read
/// into, the rest holds the converted text.
#[bisync]
async fn send_lines<R: Source + ?Sized>(
    t: &mut Open,
    buf: &mut [u8],
    input: &mut R,
    limit: Option<&crate::RateLimit>,
    on_block: &mut impl FnMut(usize) -> Result<(), CoreError>,
) -> Result<(), CoreError> {
    let third = buf.len() / 3;
    if third == 0 {
        return Err(ftp_core::Error::BufferTooSmall);
    }
    let (out, rest) = buf.split_at_mut(2 * third);
    let into = &mut rest[..third];
    let mut crlf = CrLf::new();
    loop {
        let n = input.take(into).await.map_err(ftp_core::Error::Callback)?;
        if n == 0 {
            t.stream
                .write_all(crlf.tail())
                .await
                .map_err(ftp_core::Error::Io)?;
            return t.stream.flush().await.map_err(ftp_core::Error::Io);
        }
        let len = crlf.encode(&into[..n], out);
        if let Some(limit) = limit {
            paced(limit, len).await;
        }
        t.stream
            .write_all(&out[..len])
            .await
            .map_err(ftp_core::Error::Io)?;
        on_block(len)?;
    }
}

/// Waits for the turn of `n` bytes under `limit`.
#[bisync]
async fn paced(limit: &crate::RateLimit, n: usize) {
    let wait = limit.book(n);
    if !wait.is_zero() {
        rt::sleep(wait).await;
    }
}

/// An error once the caller cancelled ([`crate::Options::cancel`]): the
/// transfer ends there.
pub(crate) fn go_on(cancel: Option<&crate::Cancel>) -> Result<(), CoreError> {
    match cancel {
        Some(c) if c.is_cancelled() => Err(ftp_core::Error::Callback(cancelled())),
        _ => Ok(()),
    }
}

/// The error of a cancelled transfer.
pub(crate) fn cancelled() -> io::Error {
    io::Error::new(io::ErrorKind::Interrupted, "the transfer was cancelled")
}
