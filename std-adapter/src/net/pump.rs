//! One TLS pump for both runtimes: rustls's `ClientConnection` moved by
//! whatever socket the runtime has, as `std::io::Read + Write` where
//! `WouldBlock` means "not now" (tokio's adapter turns `Pending` into it,
//! and back). The blocking sockets never say `WouldBlock` (their adapters
//! turn a timeout into `TimedOut`), so for them every call runs to its
//! end. Every call can stop at a `WouldBlock` and be made again: all the
//! state (records read, TLS bytes not yet written) is in the pump, so a
//! cancelled tokio future loses nothing.
//!
//! Data connections read ahead: one `recv` takes up to [`AHEAD`] of what
//! the kernel holds (rustls alone asks for 4 KiB at a time, a 16 KiB
//! record in four system calls), and a read returns as much plaintext as
//! those bytes hold, up to the caller's buffer (a download's blocks are
//! 64 KiB, not one per record).

use std::io::{self, Read, Write};

use rustls::ClientConnection;

/// The read-ahead of a TLS data stream.
pub(crate) const AHEAD: usize = 128 * 1024;

/// A TLS connection and the socket bytes read ahead for it.
pub(crate) struct Pump {
    conn: Box<ClientConnection>,
    /// Bytes read from the socket that rustls has not taken yet
    /// (`buf[start..end]`); the buffer is made at the first read.
    buf: Vec<u8>,
    start: usize,
    end: usize,
    /// How much to read ahead (0: rustls reads the socket itself).
    ahead: usize,
    /// The socket says "not now" instead of waiting (tokio's): a read
    /// goes on reading it until the caller's buffer is full or it has
    /// nothing more, so a download's blocks stay whole.
    eager: bool,
    /// A socket error met after a read had bytes to return: the next
    /// read reports it.
    deferred: Option<io::Error>,
    /// TLS bytes taken from rustls and not yet written (`out[sent..]`):
    /// what rustls has to send goes out in one write, so two records in
    /// a row (ChangeCipherSpec and Finished) are one segment. Where
    /// TCP_NODELAY is not to be had (WASI), two small writes in a row
    /// wait for the peer's delayed ACK: 40 ms per FTPS data connection.
    out: Vec<u8>,
    sent: usize,
}

/// The bytes already read ahead, and no more: rustls takes records there
/// without another system call.
struct Buffered<'a> {
    buf: &'a [u8],
    start: &'a mut usize,
    end: usize,
}

impl Read for Buffered<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let n = out.len().min(self.end - *self.start);
        out[..n].copy_from_slice(&self.buf[*self.start..*self.start + n]);
        *self.start += n;
        Ok(n)
    }
}

fn would_block(e: &io::Error) -> bool {
    e.kind() == io::ErrorKind::WouldBlock
}

impl Pump {
    /// A pump for `conn`, reading `ahead` bytes ahead (0 for none: the
    /// control connection, where what follows a CCC's close_notify is
    /// clear text and must stay in the socket).
    pub(crate) fn new(conn: ClientConnection, ahead: usize) -> Self {
        Pump {
            conn: Box::new(conn),
            buf: Vec::new(),
            start: 0,
            end: 0,
            ahead,
            eager: false,
            deferred: None,
            out: Vec::new(),
            sent: 0,
        }
    }

    /// For a socket that says "not now" instead of waiting: a read takes
    /// in what the socket has until the caller's buffer is full.
    #[cfg_attr(not(feature = "tokio"), allow(dead_code))]
    pub(crate) fn eager(mut self) -> Self {
        self.eager = true;
        self
    }

    pub(crate) fn conn(&self) -> &ClientConnection {
        &self.conn
    }

    pub(crate) fn conn_mut(&mut self) -> &mut ClientConnection {
        &mut self.conn
    }

    /// Writes the TLS bytes rustls holds, all of them: gathered, then
    /// written in one go (a "not now" keeps the rest for the next call).
    fn push<S: Write>(&mut self, sock: &mut S) -> io::Result<()> {
        loop {
            if self.sent == self.out.len() {
                if !self.conn.wants_write() {
                    return Ok(());
                }
                self.out.clear();
                self.sent = 0;
                while self.conn.wants_write() {
                    self.conn.write_tls(&mut self.out)?;
                }
            }
            match sock.write(&self.out[self.sent..])? {
                0 => return Err(io::ErrorKind::WriteZero.into()),
                n => self.sent += n,
            }
        }
    }

    /// Passive mode: the ClientHello goes out as soon as the connection is
    /// up, without waiting for anything (a failure shows at the first
    /// use).
    pub(crate) fn send_hello<S: Write>(&mut self, sock: &mut S) {
        let _ = self.push(sock);
    }

    /// Takes in one more batch of records: from the read-ahead when it
    /// holds some, else from the socket. `Ok(false)` at the socket's end.
    fn take_in<S: Read + Write>(&mut self, sock: &mut S) -> io::Result<bool> {
        let more = if self.ahead == 0 {
            self.conn.read_tls(sock)? != 0
        } else {
            if self.start == self.end {
                if self.buf.is_empty() {
                    self.buf = vec![0; self.ahead];
                }
                // Both ends move only once the read succeeded: a "not
                // now" leaves the buffer as it was.
                let n = sock.read(&mut self.buf)?;
                self.start = 0;
                self.end = n;
            }
            if self.start == self.end {
                // The end: rustls notes it (a read then tells whether
                // close_notify came first).
                self.conn.read_tls(&mut io::empty())?;
                false
            } else {
                self.conn.read_tls(&mut Buffered {
                    buf: &self.buf,
                    start: &mut self.start,
                    end: self.end,
                })?;
                true
            }
        };
        self.process(sock)?;
        Ok(more)
    }

    /// Decrypts what was taken in; a record that fails sends its alert.
    fn process<S: Write>(&mut self, sock: &mut S) -> io::Result<()> {
        if let Err(e) = self.conn.process_new_packets() {
            let _ = self.push(sock);
            return Err(io::Error::new(io::ErrorKind::InvalidData, e));
        }
        Ok(())
    }

    /// Runs the handshake to its end (a no-op once it ran).
    pub(crate) fn handshake<S: Read + Write>(&mut self, sock: &mut S) -> io::Result<()> {
        loop {
            self.push(sock)?;
            if !self.conn.is_handshaking() {
                return Ok(());
            }
            if !self.take_in(sock)? {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the server closed the connection during the TLS handshake",
                ));
            }
        }
    }

    /// Reads plaintext: `Ok(0)` after the server's close_notify,
    /// `UnexpectedEof` when the connection ended without one.
    pub(crate) fn read<S: Read + Write>(
        &mut self,
        sock: &mut S,
        buf: &mut [u8],
    ) -> io::Result<usize> {
        if let Some(e) = self.deferred.take() {
            return Err(e);
        }
        self.handshake(sock)?;
        if buf.is_empty() {
            return Ok(0);
        }
        // What rustls still has to say (a key update's answer) goes out
        // when the socket takes it; it is not what this read waits for.
        match self.push(sock) {
            Err(e) if !would_block(&e) => return Err(e),
            _ => {}
        }
        loop {
            match self.conn.reader().read(buf) {
                Ok(n) => return self.fill(sock, buf, n),
                Err(e) if would_block(&e) => {}
                Err(e) => return Err(e),
            }
            self.take_in(sock)?;
        }
    }

    /// After a read gave `n` bytes: more from the read-ahead and, when the
    /// pump is eager, from the socket until it has nothing more.
    fn fill<S: Read + Write>(
        &mut self,
        sock: &mut S,
        buf: &mut [u8],
        n: usize,
    ) -> io::Result<usize> {
        let mut n = self.read_more(sock, buf, n)?;
        while self.eager && n > 0 && n < buf.len() {
            match self.take_in(sock) {
                Ok(true) => n = self.read_more(sock, buf, n)?,
                Ok(false) => break,
                Err(e) => {
                    if !would_block(&e) {
                        self.deferred = Some(e);
                    }
                    break;
                }
            }
        }
        Ok(n)
    }

    /// After a read gave `n` bytes: more plaintext from the records
    /// already read ahead, up to `buf`'s end. Stops at the end of what is
    /// buffered, at close_notify, or before anything that would wait.
    fn read_more<S: Write>(
        &mut self,
        sock: &mut S,
        buf: &mut [u8],
        mut n: usize,
    ) -> io::Result<usize> {
        if n == 0 {
            return Ok(0);
        }
        while n < buf.len() {
            match self.conn.reader().read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => {
                    n += k;
                    continue;
                }
                Err(e) if would_block(&e) => {}
                // The end without close_notify: the next read tells.
                Err(_) => break,
            }
            if self.start == self.end {
                break;
            }
            self.conn.read_tls(&mut Buffered {
                buf: &self.buf,
                start: &mut self.start,
                end: self.end,
            })?;
            self.process(sock)?;
        }
        Ok(n)
    }

    /// Encrypts what rustls takes of `buf` and writes it out. The bytes
    /// taken count as written even when the socket cannot take them yet
    /// (they go out at the next write or flush).
    pub(crate) fn write<S: Read + Write>(&mut self, sock: &mut S, buf: &[u8]) -> io::Result<usize> {
        self.handshake(sock)?;
        loop {
            let n = self.conn.writer().write(buf)?;
            match self.push(sock) {
                Err(e) if would_block(&e) && n > 0 => return Ok(n),
                Err(e) => return Err(e),
                Ok(()) if n > 0 || buf.is_empty() => return Ok(n),
                // rustls's buffer was full and is empty now.
                Ok(()) => {}
            }
        }
    }

    /// Writes out everything taken so far.
    pub(crate) fn flush<S: Read + Write>(&mut self, sock: &mut S) -> io::Result<()> {
        self.handshake(sock)?;
        self.push(sock)?;
        sock.flush()
    }

    /// Sends close_notify (once, however often it is called).
    pub(crate) fn close_notify<S: Write>(&mut self, sock: &mut S) -> io::Result<()> {
        self.conn.send_close_notify();
        self.push(sock)
    }

    /// After CCC: sends close_notify and reads until the server's, what
    /// comes before it being no reply of ours. The socket's bytes after
    /// it (clear text) stay unread: the control connection reads none
    /// ahead.
    pub(crate) fn end<S: Read + Write>(&mut self, sock: &mut S) -> io::Result<()> {
        self.close_notify(sock)?;
        loop {
            let state = self
                .conn
                .process_new_packets()
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            if state.peer_has_closed() {
                return Ok(());
            }
            let _ = io::copy(&mut self.conn.reader(), &mut io::sink());
            if !self.take_in(sock)? {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the server closed the connection after CCC",
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    //! The pump over an in-memory socket that says "not now" and takes
    //! a few bytes at a time, against a rustls server: every call can stop
    //! anywhere and be made again, and nothing is lost or repeated.

    use std::collections::VecDeque;
    use std::io::{self, Read, Write};
    use std::sync::Arc;

    use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
    use rustls::{ClientConfig, ClientConnection, RootCertStore, ServerConfig, ServerConnection};

    use super::{AHEAD, Pump};

    /// One end of an in-memory connection: `rx` is what the server sent,
    /// `tx` what the client wrote. Every other call is `WouldBlock`, and a
    /// write takes at most 7 bytes.
    #[derive(Default)]
    struct Choppy {
        rx: VecDeque<u8>,
        tx: VecDeque<u8>,
        calls: u32,
        /// The server closed its side.
        closed: bool,
    }

    impl Choppy {
        fn now(&mut self) -> bool {
            self.calls += 1;
            self.calls.is_multiple_of(2)
        }
    }

    impl Read for Choppy {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if !self.now() || (self.rx.is_empty() && !self.closed) {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            self.rx.read(buf)
        }
    }

    impl Write for Choppy {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            if !self.now() {
                return Err(io::ErrorKind::WouldBlock.into());
            }
            let n = buf.len().min(7);
            self.tx.extend(&buf[..n]);
            Ok(n)
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    fn pair(eager: bool) -> (Pump, ServerConnection) {
        let key = rcgen::KeyPair::generate().unwrap();
        let params = rcgen::CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
        let cert = params.self_signed(&key).unwrap();
        let der = CertificateDer::from(cert.der().to_vec());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let server = ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(
                vec![der.clone()],
                PrivateKeyDer::try_from(key.serialize_der()).unwrap(),
            )
            .unwrap();
        let mut roots = RootCertStore::empty();
        roots.add(der).unwrap();
        let client = ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        let name = ServerName::try_from("localhost").unwrap();
        let conn = ClientConnection::new(Arc::new(client), name).unwrap();
        let pump = Pump::new(conn, AHEAD);
        (
            if eager { pump.eager() } else { pump },
            ServerConnection::new(Arc::new(server)).unwrap(),
        )
    }

    /// The server's turn: takes what the client wrote, answers.
    fn serve(server: &mut ServerConnection, sock: &mut Choppy, got: &mut Vec<u8>) {
        let mut incoming: &[u8] = &Vec::from(std::mem::take(&mut sock.tx));
        while !incoming.is_empty() {
            server.read_tls(&mut incoming).unwrap();
            server.process_new_packets().unwrap();
        }
        let _ = server.reader().read_to_end(got);
        let mut out = Vec::new();
        while server.wants_write() {
            server.write_tls(&mut out).unwrap();
        }
        sock.rx.extend(out);
    }

    /// The pump, the server and the socket between them; `got` is what
    /// the server read.
    struct Link {
        pump: Pump,
        server: ServerConnection,
        sock: Choppy,
        got: Vec<u8>,
    }

    impl Link {
        /// A link whose handshake ran (an eager pump: tokio's).
        fn up(eager: bool) -> Link {
            let (pump, server) = pair(eager);
            let mut link = Link {
                pump,
                server,
                sock: Choppy::default(),
                got: Vec::new(),
            };
            link.drive(|p, s| p.handshake(s)).unwrap();
            assert!(!link.pump.conn().is_handshaking());
            link
        }

        /// Calls `step` until it is done, the server taking a turn after
        /// each "not now"; bounded.
        fn drive<T>(
            &mut self,
            mut step: impl FnMut(&mut Pump, &mut Choppy) -> io::Result<T>,
        ) -> io::Result<T> {
            for _ in 0..100_000 {
                match step(&mut self.pump, &mut self.sock) {
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                        serve(&mut self.server, &mut self.sock, &mut self.got)
                    }
                    other => return other,
                }
            }
            panic!("no progress");
        }

        /// The server sends `data` (and, with `close`, close_notify), then
        /// ends the connection.
        fn server_sends(&mut self, data: &[u8], close: bool) {
            for chunk in data.chunks(16_384) {
                self.server.writer().write_all(chunk).unwrap();
                serve(&mut self.server, &mut self.sock, &mut self.got);
            }
            if close {
                self.server.send_close_notify();
            }
            serve(&mut self.server, &mut self.sock, &mut self.got);
            self.sock.closed = true;
        }

        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.drive(|p, s| p.read(s, buf))
        }
    }

    #[test]
    fn every_call_can_stop_and_go_on() {
        for eager in [false, true] {
            moves_both_ways(Link::up(eager));
        }
    }

    fn moves_both_ways(mut link: Link) {
        // Up: 300 000 bytes in writes of any size, each accepted byte sent
        // once.
        let up: Vec<u8> = (0..300_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let mut at = 0;
        while at < up.len() {
            let end = (at + 20_000).min(up.len());
            at += link.drive(|p, s| p.write(s, &up[at..end])).unwrap();
        }
        link.drive(|p, s| p.flush(s)).unwrap();
        serve(&mut link.server, &mut link.sock, &mut link.got);
        assert_eq!(link.got, up);

        // Down: 300 000 bytes, then close_notify and the end.
        let down: Vec<u8> = (0..300_000u32).map(|i| (i * 13 % 241) as u8).collect();
        link.server_sends(&down, true);
        let mut read = Vec::new();
        let mut buf = vec![0u8; 65_536];
        loop {
            let n = link.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            read.extend_from_slice(&buf[..n]);
        }
        assert_eq!(read, down);
    }

    #[test]
    fn an_end_without_close_notify_is_told() {
        let mut link = Link::up(true);
        link.server_sends(b"partial", false);
        let mut buf = [0u8; 64];
        let n = link.read(&mut buf).unwrap();
        assert_eq!(&buf[..n], b"partial");
        let e = link.read(&mut buf).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::UnexpectedEof);
    }

    #[test]
    fn a_forged_record_is_invalid_data() {
        let mut link = Link::up(true);
        // An application-data record whose contents were never encrypted.
        link.sock.rx.extend([23, 3, 3, 0, 20]);
        link.sock.rx.extend([0xAA; 20]);
        let e = link.read(&mut [0u8; 64]).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidData);
    }
}
