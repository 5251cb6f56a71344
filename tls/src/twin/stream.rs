//! A TLS client stream over any `embedded-io` stream, on rustls's
//! unbuffered API (the one rustls offers without `std`): the handshake runs
//! at the first read or write, records are decrypted in place in the
//! incoming buffer, and `close` sends close_notify.

use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;

use embedded_io::{ErrorType, ReadReady};

use super::bisync;
use super::io::{Read, Write};
use crate::TlsError;

#[allow(unused_imports)]
use embedded_io::ErrorKind;
use rustls::ClientConfig;
use rustls::client::UnbufferedClientConnection;
use rustls::pki_types::ServerName;
use rustls::unbuffered::{ConnectionState, EncodeError, EncryptError, UnbufferedStatus};

/// The largest TLS record on the wire (16 KiB of data, header, padding
/// and tag): the incoming buffer grows to hold one whole.
const MAX_RECORD: usize = 16 * 1024 + 2048;

/// The incoming buffer's first size: a control connection's records
/// (replies, tickets, the handshake's certificates) fit, or nearly; a
/// download's 16 KiB records make it grow, once, for that connection.
const FIRST_RECORD: usize = 4 * 1024;

/// What a call of [`TlsStream::pump`] is for.
enum Goal<'a> {
    /// Plaintext to read: whole records that fit this buffer go there
    /// straight, without a copy in `plain`; others go to `plain` (rustls holds each record's
    /// plaintext in a buffer of its own already; a second 16 KiB copy is
    /// what put the FTPS firmware's heap above 64 KiB).
    Read(&'a mut [u8]),
    /// Plaintext to send.
    Write(&'a [u8]),
    /// The handshake done (nothing else).
    Handshake,
    /// close_notify sent.
    Close,
}

/// What [`TlsStream::pump`] achieved.
enum Done {
    /// Plaintext is waiting in `plain` (or the peer ended the stream).
    Readable,
    /// This many bytes of plaintext went straight into the goal's buffer.
    ReadDirect(usize),
    /// This many bytes of the goal's data were sent.
    Wrote(usize),
    /// The handshake is complete.
    Ready,
    /// close_notify went out.
    Closed,
}

/// A TLS client connection over `T`.
pub struct TlsStream<T> {
    io: T,
    conn: UnbufferedClientConnection,
    incoming: Vec<u8>,
    in_used: usize,
    outgoing: Vec<u8>,
    plain: Vec<u8>,
    plain_at: usize,
    /// The peer ended the stream (close_notify, or EOF after the
    /// handshake).
    ended: bool,
    /// close_notify was sent.
    closed: bool,
    /// The handshake completed.
    ready: bool,
}

impl<T> TlsStream<T> {
    /// A client connection to `name` over `io`, with `config` (whose
    /// session store lets later connections resume this one's session).
    /// Nothing is sent before the first read, write or
    /// [`TlsStream::handshake`].
    pub fn new(
        io: T,
        config: Arc<ClientConfig>,
        name: ServerName<'static>,
    ) -> Result<Self, rustls::Error> {
        Ok(TlsStream {
            io,
            conn: UnbufferedClientConnection::new(config, name)?,
            incoming: vec![0; FIRST_RECORD],
            in_used: 0,
            outgoing: Vec::new(),
            plain: Vec::new(),
            plain_at: 0,
            ended: false,
            closed: false,
            ready: false,
        })
    }

    /// True when the handshake resumed an earlier session (the control
    /// connection's, for a data connection).
    pub fn is_resumed(&self) -> bool {
        self.ready && self.conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed)
    }

    /// True once the server ended the stream (close_notify, or its end
    /// after the handshake).
    pub fn is_ended(&self) -> bool {
        self.ended
    }

    /// The stream under TLS.
    pub fn get_mut(&mut self) -> &mut T {
        &mut self.io
    }

    /// The stream under TLS, TLS given up (after close_notify, for CCC).
    pub fn into_inner(self) -> T {
        self.io
    }
}

#[bisync]
impl<T: Read + Write> TlsStream<T> {
    /// Runs the handshake now (it otherwise runs at the first read or
    /// write).
    pub async fn handshake(&mut self) -> Result<(), TlsError<T::Error>> {
        if !self.ready {
            self.pump(Goal::Handshake).await?;
        }
        Ok(())
    }

    /// Sends close_notify (once); the stream under it stays open.
    pub async fn close(&mut self) -> Result<(), TlsError<T::Error>> {
        if self.closed || !self.ready {
            return Ok(());
        }
        self.pump(Goal::Close).await?;
        Ok(())
    }

    /// After [`TlsStream::close`]: reads what the server still sends until
    /// it ends the stream (at most `limit` bytes of data), so its last
    /// records are processed: under TLS 1.3 the session tickets a data
    /// connection brings, which the next data connection resumes with
    /// (each ticket is used once).
    pub async fn drain(&mut self, limit: usize) -> Result<(), TlsError<T::Error>> {
        let mut buf = [0u8; 512];
        let mut seen = 0;
        while seen < limit {
            match Read::read(self, &mut buf).await? {
                0 => break,
                n => seen += n,
            }
        }
        Ok(())
    }

    /// Drives the connection until `goal` is reached.
    async fn pump(&mut self, mut goal: Goal<'_>) -> Result<Done, TlsError<T::Error>> {
        // Bounded: a round reads from the stream (which blocks or fails),
        // or does one of the few steps between two reads (encode, send,
        // decrypt what is buffered); more of those than a handshake has
        // is rustls making no progress, an error rather than a spin.
        let mut idle = 0;
        loop {
            idle += 1;
            if idle > 256 {
                return Err(TlsError::Tls(rustls::Error::General(
                    "the TLS connection made no progress".into(),
                )));
            }
            let UnbufferedStatus {
                mut discard, state, ..
            } = self
                .conn
                .process_tls_records(&mut self.incoming[..self.in_used]);
            let state = state.map_err(TlsError::Tls)?;
            let mut reached = None;
            let mut receive = false;
            match state {
                ConnectionState::ReadTraffic(mut records) => {
                    let mut direct = 0;
                    if let Goal::Read(buf) = &mut goal {
                        // Whole records, while they fit (the rest stay
                        // with rustls for the next read).
                        while self.plain_at == self.plain.len()
                            && records
                                .peek_len()
                                .is_some_and(|len| len.get() <= buf.len() - direct)
                        {
                            let Some(record) = records.next_record() else {
                                break;
                            };
                            let record = record.map_err(TlsError::Tls)?;
                            discard += record.discard;
                            let end = direct + record.payload.len();
                            buf[direct..end].copy_from_slice(record.payload);
                            direct = end;
                        }
                    }
                    if direct > 0 {
                        reached = Some(Done::ReadDirect(direct));
                    } else {
                        while let Some(record) = records.next_record() {
                            let record = record.map_err(TlsError::Tls)?;
                            discard += record.discard;
                            self.plain.extend_from_slice(record.payload);
                        }
                        if matches!(goal, Goal::Read(_)) && self.plain_at < self.plain.len() {
                            reached = Some(Done::Readable);
                        }
                    }
                }
                ConnectionState::EncodeTlsData(mut data) => {
                    append(&mut self.outgoing, 2048, |out| {
                        data.encode(out).map_err(|e| match e {
                            EncodeError::InsufficientSize(need) => Some(need.required_size),
                            _ => None,
                        })
                    })?;
                }
                ConnectionState::TransmitTlsData(data) => {
                    send(&mut self.io, &mut self.outgoing, true).await?;
                    data.done();
                }
                ConnectionState::BlockedHandshake => receive = true,
                ConnectionState::WriteTraffic(mut traffic) => {
                    self.ready = true;
                    match &goal {
                        Goal::Handshake => reached = Some(Done::Ready),
                        Goal::Read(_) if self.plain_at < self.plain.len() || self.ended => {
                            reached = Some(Done::Readable)
                        }
                        Goal::Read(_) => receive = true,
                        Goal::Write(data) => {
                            let take = data.len().min(16 * 1024);
                            append(&mut self.outgoing, take + 256, |out| {
                                traffic.encrypt(&data[..take], out).map_err(room)
                            })?;
                            send(&mut self.io, &mut self.outgoing, false).await?;
                            reached = Some(Done::Wrote(take));
                        }
                        Goal::Close => {
                            append(&mut self.outgoing, 256, |out| {
                                traffic.queue_close_notify(out).map_err(room)
                            })?;
                            send(&mut self.io, &mut self.outgoing, true).await?;
                            self.closed = true;
                            reached = Some(Done::Closed);
                        }
                    }
                }
                ConnectionState::PeerClosed | ConnectionState::Closed => {
                    self.ended = true;
                    reached = Some(match goal {
                        Goal::Read(_) => Done::Readable,
                        Goal::Handshake => Done::Ready,
                        // The peer is gone: nothing more to say.
                        Goal::Close => Done::Closed,
                        Goal::Write(_) => return Err(TlsError::Closed),
                    });
                }
                _ => {
                    return Err(TlsError::Tls(rustls::Error::General(
                        "unexpected TLS state".into(),
                    )));
                }
            }
            if discard > 0 {
                self.incoming.copy_within(discard..self.in_used, 0);
                self.in_used -= discard;
            }
            if let Some(done) = reached {
                return Ok(done);
            }
            if receive {
                if self.in_used == self.incoming.len() {
                    // A record larger than the buffer so far: room for the
                    // largest there is.
                    if self.incoming.len() >= MAX_RECORD {
                        return Err(TlsError::Tls(rustls::Error::General(
                            "a TLS record larger than the buffer".into(),
                        )));
                    }
                    self.incoming.resize(MAX_RECORD, 0);
                }
                let n = self
                    .io
                    .read(&mut self.incoming[self.in_used..])
                    .await
                    .map_err(TlsError::Io)?;
                if n == 0 {
                    if !self.ready {
                        return Err(TlsError::Closed);
                    }
                    // The end without close_notify: the FTP reply tells
                    // whether the transfer was whole.
                    self.ended = true;
                    if matches!(goal, Goal::Read(_)) {
                        return Ok(Done::Readable);
                    }
                    return Err(TlsError::Closed);
                }
                self.in_used += n;
                idle = 0;
            }
        }
    }
}

impl<T: ErrorType> ErrorType for TlsStream<T> {
    type Error = TlsError<T::Error>;
}

/// Appends the records `f` writes to `out`: `guess` bytes of room first,
/// once more what `f` says it needs (rustls's `InsufficientSizeError`,
/// as `Some(size)`); `None` is a failure.
fn append<E>(
    out: &mut Vec<u8>,
    guess: usize,
    mut f: impl FnMut(&mut [u8]) -> Result<usize, Option<usize>>,
) -> Result<(), TlsError<E>> {
    let at = out.len();
    out.resize(at + guess, 0);
    let n = match f(&mut out[at..]) {
        Ok(n) => Ok(n),
        Err(Some(need)) => {
            out.resize(at + need, 0);
            f(&mut out[at..])
        }
        Err(None) => Err(None),
    };
    match n {
        Ok(n) => {
            out.truncate(at + n);
            Ok(())
        }
        Err(_) => {
            out.truncate(at);
            Err(TlsError::Tls(rustls::Error::EncryptError))
        }
    }
}

/// The room an encryption needs, when that is why it failed.
fn room(e: EncryptError) -> Option<usize> {
    match e {
        EncryptError::InsufficientSize(need) => Some(need.required_size),
        _ => None,
    }
}

/// Writes the records in `out` (flushed when asked) and empties it.
#[bisync]
async fn send<T: Write>(
    io: &mut T,
    out: &mut Vec<u8>,
    flush: bool,
) -> Result<(), TlsError<T::Error>> {
    io.write_all(out).await.map_err(TlsError::Io)?;
    if flush {
        io.flush().await.map_err(TlsError::Io)?;
    }
    out.clear();
    Ok(())
}

#[bisync]
impl<T: Read + Write> Read for TlsStream<T> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        if buf.is_empty() {
            return Ok(0);
        }
        if self.plain_at == self.plain.len() && !self.ended {
            self.plain.clear();
            self.plain_at = 0;
            if let Done::ReadDirect(n) = self.pump(Goal::Read(buf)).await? {
                return Ok(n);
            }
        }
        let n = buf.len().min(self.plain.len() - self.plain_at);
        buf[..n].copy_from_slice(&self.plain[self.plain_at..self.plain_at + n]);
        self.plain_at += n;
        Ok(n)
    }
}

#[bisync]
impl<T: Read + Write> Write for TlsStream<T> {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        if buf.is_empty() {
            return Ok(0);
        }
        match self.pump(Goal::Write(buf)).await? {
            Done::Wrote(n) => Ok(n),
            _ => Err(TlsError::Closed),
        }
    }

    async fn flush(&mut self) -> Result<(), Self::Error> {
        self.io.flush().await.map_err(TlsError::Io)
    }
}

impl<T: Read + Write + ReadReady> ReadReady for TlsStream<T> {
    /// True when a read would not block: plaintext is waiting, or the
    /// stream under TLS has bytes that make some. Records that are no data
    /// (a TLS 1.3 session ticket) are processed here and do not count, so
    /// the session never waits for a reply that is not there.
    fn read_ready(&mut self) -> Result<bool, Self::Error> {
        // Bounded: each round takes what the stream has buffered.
        for _ in 0..8 {
            self.take_buffered()?;
            if self.plain_at < self.plain.len() || self.ended {
                return Ok(true);
            }
            if !self.ready || self.in_used == self.incoming.len() {
                return Ok(false);
            }
            if !self.io.read_ready().map_err(TlsError::Io)? {
                return Ok(false);
            }
            match super::read_now(&mut self.io, &mut self.incoming[self.in_used..]) {
                None => return Ok(false),
                Some(Ok(0)) => {
                    self.ended = true;
                    return Ok(true);
                }
                Some(Ok(n)) => self.in_used += n,
                Some(Err(e)) => return Err(TlsError::Io(e)),
            }
        }
        Ok(self.plain_at < self.plain.len())
    }
}

impl<T> TlsStream<T> {
    /// Decrypts the data records already buffered, without any I/O; stops
    /// at anything else (a record to answer is answered by the next read
    /// or write).
    fn take_buffered<E>(&mut self) -> Result<(), TlsError<E>> {
        if self.plain_at == self.plain.len() {
            self.plain.clear();
            self.plain_at = 0;
        }
        // Bounded: each round consumes buffered records.
        for _ in 0..64 {
            let UnbufferedStatus {
                mut discard, state, ..
            } = self
                .conn
                .process_tls_records(&mut self.incoming[..self.in_used]);
            let mut more = false;
            match state.map_err(TlsError::Tls)? {
                ConnectionState::ReadTraffic(mut records) => {
                    while let Some(record) = records.next_record() {
                        let record = record.map_err(TlsError::Tls)?;
                        discard += record.discard;
                        self.plain.extend_from_slice(record.payload);
                        more = true;
                    }
                }
                ConnectionState::PeerClosed | ConnectionState::Closed => self.ended = true,
                _ => {}
            }
            if discard > 0 {
                self.incoming.copy_within(discard..self.in_used, 0);
                self.in_used -= discard;
                more = true;
            }
            if !more {
                break;
            }
        }
        Ok(())
    }
}
