//! Data connections over std TCP sockets, in clear text or TLS (PROT P)
//! resuming the control connection's TLS session.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use ftp_core::DataConnector;
use rustls::ClientConnection;

use crate::IoStream;
use crate::net::clock::ReplyClock;
use crate::net::data::{DRAIN_LIMIT, PEER_CLOSE_WAIT, Settings, set_keepalive, stalled};
use crate::net::tls::TlsContext;
use crate::runtime::blocking::tcp_connect;

/// One data connection: a TCP stream, TLS-wrapped after PROT P.
pub struct DataStream {
    tcp: TcpStream,
    tls: Option<Box<ClientConnection>>,
    /// The server ended the stream (EOF or its close_notify).
    ended: bool,
    /// Something was read, written or flushed: the transfer began.
    used: bool,
    /// The socket's read and write timeout, for the error message.
    timeout: Option<Duration>,
    /// Through a proxy: wait for the server's close_notify before FIN
    /// ([`DataStream::await_peer_close`]).
    patient: bool,
    /// TLS: what was read from the socket and rustls has not taken yet.
    ahead: Ahead,
}

/// A read-ahead buffer under rustls, which asks the socket for 4 KiB at a
/// time (a 16 KiB record in four system calls): one `recv` here takes up
/// to [`AHEAD`] of what the kernel holds. Made at the first read.
#[derive(Default)]
struct Ahead {
    buf: Vec<u8>,
    start: usize,
    end: usize,
}

/// The read-ahead of a TLS data stream.
const AHEAD: usize = 128 * 1024;

/// The socket as rustls reads and writes it: reads through the
/// read-ahead buffer, writes straight through.
struct Sock<'a> {
    tcp: &'a mut TcpStream,
    ahead: &'a mut Ahead,
}

impl Read for Sock<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let a = &mut *self.ahead;
        if a.start == a.end {
            if a.buf.is_empty() {
                a.buf = vec![0; AHEAD];
            }
            a.start = 0;
            a.end = self.tcp.read(&mut a.buf)?;
        }
        let n = buf.len().min(a.end - a.start);
        buf[..n].copy_from_slice(&a.buf[a.start..a.start + n]);
        a.start += n;
        Ok(n)
    }
}

impl Write for Sock<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.tcp.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.tcp.flush()
    }
}

impl std::fmt::Debug for DataStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataStream")
            .field("tcp", &self.tcp)
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

impl DataStream {
    /// The TCP socket under the stream.
    pub fn tcp(&self) -> &TcpStream {
        &self.tcp
    }

    /// Passive mode, TLS: the ClientHello goes out as soon as the
    /// connection is up, so it waits in the server's socket when the
    /// server reaches its handshake (after the transfer command) instead
    /// of being sent at the first read: a round trip less per FTPS
    /// transfer. The rest of the handshake still runs at the first use;
    /// a failed write here shows there.
    fn send_hello(&mut self) {
        if let Some(conn) = &mut self.tls {
            while conn.wants_write() {
                if conn.write_tls(&mut self.tcp).is_err() {
                    break;
                }
            }
        }
    }

    /// Notes that the server ended the stream (read to EOF elsewhere).
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    pub(crate) fn set_ended(&mut self) {
        self.ended = true;
        self.used = true;
    }

    /// True when TLS protects this stream.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// True when the TLS handshake resumed the control connection's
    /// session (false before the handshake and for clear-text streams).
    pub fn is_resumed(&self) -> bool {
        self.tls
            .as_ref()
            .is_some_and(|c| c.handshake_kind() == Some(rustls::HandshakeKind::Resumed))
    }

    /// Ends the stream cleanly: TLS close_notify, TCP FIN, then reads what
    /// the server still sends until it closes, so nothing unread makes the
    /// kernel reset the connection under the server's last reads (the cause
    /// of curl's 426 on TLS 1.3 uploads).
    fn shutdown(mut self) -> io::Result<()> {
        let ended = self.ended;
        // A clear-text download the server ended: nothing to say.
        if ended && self.tls.is_none() {
            return Ok(());
        }
        let result = self.send_end();
        // After the server ended the stream our goodbye may find the socket
        // closed: that does not make a download fail.
        if ended {
            return Ok(());
        }
        result?;
        if self.tls.is_some() && self.used && !self.ended {
            self.drain();
        }
        Ok(())
    }

    /// Reads what the server still sends, until it ends the stream, at
    /// most [`DRAIN_LIMIT`] (an abandoned download is not read to its
    /// end); a read error ends it too.
    fn drain(&mut self) {
        let mut buf = [0u8; 16 * 1024];
        let mut drained = 0;
        while drained < DRAIN_LIMIT {
            match self.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => drained += n,
            }
        }
    }

    fn send_end(&mut self) -> io::Result<()> {
        if let Some(conn) = &mut self.tls {
            if !self.used && conn.is_handshaking() {
                // The transfer never began (the server refused the command):
                // the server will not run a handshake.
                return Ok(());
            }
            // An empty upload may not have finished the handshake yet.
            while conn.is_handshaking() {
                conn.complete_io(&mut Sock {
                    tcp: &mut self.tcp,
                    ahead: &mut self.ahead,
                })?;
            }
            conn.send_close_notify();
            while conn.wants_write() {
                conn.write_tls(&mut self.tcp)?;
            }
            if self.patient {
                self.await_peer_close();
            }
        }
        match self.tcp.shutdown(Shutdown::Write) {
            Err(e) if e.kind() != io::ErrorKind::NotConnected => Err(e),
            _ => Ok(()),
        }
    }
}

impl DataStream {
    /// Through a proxy, after our close_notify and before our FIN: a
    /// moment ([`PEER_CLOSE_WAIT`]) for the server's close_notify, reading
    /// what it still sends (its session tickets). A proxy that ends both
    /// directions at our FIN (Tinyproxy) would otherwise close its side
    /// towards the server with those bytes unread, and the reset loses the
    /// server the upload. Direct connections do not wait: a server that
    /// answers close_notify only after FIN would cost every upload the
    /// wait.
    fn await_peer_close(&mut self) {
        let before = self.tcp.read_timeout().ok().flatten();
        if self.tcp.set_read_timeout(Some(PEER_CLOSE_WAIT)).is_ok() {
            self.drain();
            let _ = self.tcp.set_read_timeout(before);
        }
    }
}

/// The socket's bytes already read ahead, and no more: rustls takes the
/// records there without another system call.
struct Buffered<'a>(&'a mut Ahead);

impl Read for Buffered<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let a = &mut *self.0;
        let n = buf.len().min(a.end - a.start);
        buf[..n].copy_from_slice(&a.buf[a.start..a.start + n]);
        a.start += n;
        Ok(n)
    }
}

impl DataStream {
    /// After a TLS read gave `n` bytes: more plaintext from the records
    /// already read ahead, up to `buf`'s end, so a download's blocks are
    /// as large as the caller's buffer (64 KiB writes to the file, not
    /// one per 16 KiB record). Stops at the end of what is buffered, at
    /// close_notify, or before anything that would wait.
    fn read_more(&mut self, buf: &mut [u8], mut n: usize) -> io::Result<usize> {
        let Some(conn) = &mut self.tls else {
            return Ok(n);
        };
        while n < buf.len() {
            match conn.reader().read(&mut buf[n..]) {
                Ok(0) => break,
                Ok(k) => {
                    n += k;
                    continue;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                // The end without close_notify: the next read tells.
                Err(_) => break,
            }
            if self.ahead.start == self.ahead.end {
                break;
            }
            conn.read_tls(&mut Buffered(&mut self.ahead))?;
            conn.process_new_packets()
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        }
        Ok(n)
    }
}

impl Read for DataStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.used = true;
        let n = match &mut self.tls {
            Some(conn) => match rustls::Stream::new(
                conn.as_mut(),
                &mut Sock {
                    tcp: &mut self.tcp,
                    ahead: &mut self.ahead,
                },
            )
            .read(buf)
            {
                // Some servers close without close_notify. The final reply on
                // the (protected) control connection still has to be 2xx for
                // the transfer to count, and the size it announced is checked.
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    log::debug!("data connection closed without TLS close_notify");
                    Ok(0)
                }
                other => other,
            },
            None => self.tcp.read(buf),
        }
        .map_err(|e| stalled(e, self.timeout))?;
        if n == 0 && !buf.is_empty() {
            self.ended = true;
            return Ok(0);
        }
        self.read_more(buf, n)
    }
}

impl Write for DataStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.used = true;
        match &mut self.tls {
            Some(conn) => rustls::Stream::new(
                conn.as_mut(),
                &mut Sock {
                    tcp: &mut self.tcp,
                    ahead: &mut self.ahead,
                },
            )
            .write(buf),
            None => self.tcp.write(buf),
        }
        .map_err(|e| stalled(e, self.timeout))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.used = true;
        match &mut self.tls {
            Some(conn) => rustls::Stream::new(
                conn.as_mut(),
                &mut Sock {
                    tcp: &mut self.tcp,
                    ahead: &mut self.ahead,
                },
            )
            .flush(),
            None => self.tcp.flush(),
        }
        .map_err(|e| stalled(e, self.timeout))
    }
}

/// Opens data connections: passive connects (from the source address when
/// one is set), active listens on the control connection's local address.
/// After PROT P, streams are TLS clients resuming the control's session.
#[derive(Debug, Clone)]
pub struct Connector {
    settings: Settings,
}

impl Connector {
    pub(crate) fn new(
        local: SocketAddr,
        options: &crate::Options,
        clock: ReplyClock,
        via_proxy: Option<crate::net::proxy::Target>,
    ) -> Self {
        Connector {
            settings: Settings::new(local, options, clock, via_proxy),
        }
    }

    /// Wraps data streams in TLS from now on (`Some`, after PROT P) or not.
    pub(crate) fn set_tls(&mut self, tls: Option<TlsContext>) {
        self.settings.tls = tls;
    }

    /// True when data streams are TLS-wrapped.
    pub fn is_tls(&self) -> bool {
        self.settings.tls.is_some()
    }

    /// The server's connection through the proxy's BIND. The session
    /// checks that data connections come from its peer, which through a
    /// proxy is the proxy: that is what this returns; the proxy's BIND
    /// was for the server's address, which its second reply names.
    fn bound(&self, mut tcp: TcpStream) -> io::Result<(TcpStream, SocketAddr)> {
        let Some((proxy, server)) = &self.settings.proxy else {
            return Err(io::Error::other("a BIND without a proxy"));
        };
        let from =
            super::handshake::bind_accept(&mut tcp, proxy, server, self.settings.connect_timeout)?;
        log::debug!("data connection through the proxy's BIND, from {from:?}");
        let proxy_addr = tcp.peer_addr()?;
        Ok((tcp, proxy_addr))
    }

    fn stream(&self, tcp: TcpStream) -> io::Result<IoStream<DataStream>> {
        // Writes are large; without this the last partial segment of an
        // upload waits for the server's delayed ACK (40 ms a file).
        tcp.set_nodelay(true)?;
        set_keepalive(socket2::SockRef::from(&tcp), self.settings.keepalive);
        tcp.set_read_timeout(self.settings.data_timeout)?;
        tcp.set_write_timeout(self.settings.data_timeout)?;
        let tls = match &self.settings.tls {
            // The handshake runs at the first read or write: the server
            // starts it only once it has the transfer command.
            Some(tls) => Some(Box::new(tls.connection()?)),
            None => None,
        };
        Ok(IoStream(DataStream {
            tcp,
            tls,
            ended: false,
            used: false,
            timeout: self.settings.data_timeout,
            patient: self.settings.proxy.is_some(),
            ahead: Ahead::default(),
        }))
    }
}

/// Where an active-mode data connection is awaited: a socket of ours, or
/// a SOCKS5 proxy's BIND (the proxy listens; its second reply says the
/// server connected).
#[derive(Debug)]
pub enum DataListener {
    /// A listening socket.
    Socket(TcpListener),
    /// A connection to the proxy that asked it to BIND.
    Proxy(TcpStream),
}

impl DataConnector for Connector {
    type Error = io::Error;
    type Stream = IoStream<DataStream>;
    type Listener = DataListener;

    fn connect(&mut self, addr: SocketAddr) -> io::Result<Self::Stream> {
        let tcp = self.tcp(addr)?;
        let mut stream = self.stream(tcp)?;
        stream.0.send_hello();
        Ok(stream)
    }

    fn release(&mut self, addr: SocketAddr) -> io::Result<()> {
        // A plain TCP connection, closed at once: no TLS handshake.
        drop(self.tcp(addr)?);
        Ok(())
    }

    fn listen(&mut self) -> io::Result<(DataListener, SocketAddr)> {
        if let Some((proxy, server)) = &self.settings.proxy {
            let (tcp, bound) = super::handshake::bind_via(
                proxy,
                &server.at_port(0),
                self.settings.source,
                self.settings.connect_timeout,
            )?;
            return Ok((DataListener::Proxy(tcp), bound));
        }
        let listener = TcpListener::bind(SocketAddr::new(self.settings.local.ip(), 0))?;
        let addr = listener.local_addr()?;
        Ok((DataListener::Socket(listener), addr))
    }

    fn accept(&mut self, listener: DataListener) -> io::Result<(Self::Stream, SocketAddr)> {
        let accepted = match listener {
            DataListener::Socket(listener) => {
                accept_within(&listener, self.settings.connect_timeout, || Ok(false)).and_then(
                    |a| a.ok_or_else(|| io::Error::other("the wait for the data connection ended")),
                )
            }
            DataListener::Proxy(tcp) => self.bound(tcp),
        };
        self.accepted(accepted)
    }

    fn accept_or_control<R: embedded_io::ReadReady>(
        &mut self,
        listener: DataListener,
        control: &mut R,
    ) -> io::Result<ftp_core::Accepted<Self::Stream, DataListener>> {
        let DataListener::Socket(socket) = listener else {
            // A proxy's BIND: its second reply is awaited as it is.
            let (stream, from) = self.accept(listener)?;
            return Ok(ftp_core::Accepted::Connection(stream, from));
        };
        let accepted = accept_within(&socket, self.settings.connect_timeout, || {
            control
                .read_ready()
                .map_err(|e| io::Error::new(embedded_io::Error::kind(&e).into(), "control"))
        });
        match accepted {
            Ok(None) => Ok(ftp_core::Accepted::ControlReady(DataListener::Socket(
                socket,
            ))),
            Ok(Some(pair)) => {
                let (stream, from) = self.accepted(Ok(pair))?;
                Ok(ftp_core::Accepted::Connection(stream, from))
            }
            Err(e) => self
                .accepted(Err(e))
                .map(|(s, f)| ftp_core::Accepted::Connection(s, f)),
        }
    }

    fn close(&mut self, stream: Self::Stream) -> io::Result<()> {
        let result = stream.0.shutdown();
        // The final reply is awaited from now on.
        self.settings.clock.restart();
        result
    }

    fn abort(&mut self, stream: Self::Stream) {
        // A reset, not a FIN: the server stops sending at once.
        let _ = socket2::SockRef::from(stream.0.tcp()).set_linger(Some(Duration::ZERO));
        drop(stream);
        self.settings.clock.restart();
    }
}

impl Connector {
    /// A TCP connection to the data port `addr` (through the proxy when
    /// there is one).
    fn tcp(&self, addr: SocketAddr) -> io::Result<TcpStream> {
        match &self.settings.proxy {
            Some((proxy, server)) => super::handshake::connect_via(
                proxy,
                &server.at_port(addr.port()),
                self.settings.source,
                self.settings.connect_timeout,
            ),
            None => tcp_connect(addr, self.settings.source, self.settings.connect_timeout),
        }
    }

    /// After an accept: the server's reply to the transfer command comes
    /// next, and the accepted socket becomes a data stream (nothing is
    /// read or sent yet, no TLS handshake: the session checks `from`
    /// first).
    fn accepted(
        &mut self,
        accepted: io::Result<(TcpStream, SocketAddr)>,
    ) -> io::Result<(IoStream<DataStream>, SocketAddr)> {
        self.settings.clock.restart();
        let (tcp, from) = accepted?;
        Ok((self.stream(tcp)?, from))
    }
}

/// Waits for one connection on `listener`, within `timeout` when given;
/// `Ok(None)` as soon as `stop()` says so (checked every 5 ms: the control
/// connection has a reply).
fn accept_within(
    listener: &TcpListener,
    timeout: Option<Duration>,
    mut stop: impl FnMut() -> io::Result<bool>,
) -> io::Result<Option<(TcpStream, SocketAddr)>> {
    // std has no accept timeout: poll a non-blocking listener.
    listener.set_nonblocking(true)?;
    let deadline = timeout.map(|t| Instant::now() + t);
    loop {
        match listener.accept() {
            Ok((stream, from)) => {
                stream.set_nonblocking(false)?;
                return Ok(Some((stream, from)));
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if deadline.is_some_and(|d| Instant::now() >= d) {
                    return Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the server did not open the data connection",
                    ));
                }
                if stop()? {
                    return Ok(None);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => return Err(e),
        }
    }
}
