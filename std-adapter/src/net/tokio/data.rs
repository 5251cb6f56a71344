//! tokio data connections, in clear text or TLS (PROT P, tokio-rustls)
//! resuming the control connection's TLS session, with the blocking
//! side's rules: the handshake at the first read or write, a clean close
//! (close_notify, FIN, the server's last bytes read), data timeouts.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use ftp_core::asynch::DataConnector;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::net::clock::ReplyClock;
use crate::net::data::{DRAIN_LIMIT, Settings, set_keepalive, stalled};
use crate::net::tls::TlsContext;
use crate::runtime::tokio::tcp_connect;

enum Io {
    Plain(TcpStream),
    /// TLS to come: the handshake starts at the first read, write or
    /// flush (the server runs it only once it has the transfer command).
    Waiting(TcpStream, TlsContext),
    Handshaking(Box<tokio_rustls::Connect<TcpStream>>),
    Tls(Box<TlsStream<TcpStream>>),
    /// The handshake failed.
    Failed,
}

/// One data connection: a TCP stream, TLS-wrapped after PROT P. It is
/// tokio's `AsyncRead` and `AsyncWrite` (for [`crate::tokio::Ftp::ntransfercmd`];
/// no timeout there, as with tokio's own streams: wrap calls in
/// `tokio::time::timeout`), and `embedded-io-async` with the data timeout
/// for the core's session.
pub struct DataStream {
    io: Io,
    /// The server ended the stream (EOF or its close_notify).
    ended: bool,
    /// Something was read, written or flushed: the transfer began.
    used: bool,
    /// The data timeout of each read and write of the session.
    timeout: Option<Duration>,
    /// Through a proxy: wait for the server's close_notify before FIN
    /// (see the blocking `DataStream`).
    patient: bool,
}

impl std::fmt::Debug for DataStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataStream")
            .field("tls", &self.is_tls())
            .field("ended", &self.ended)
            .finish()
    }
}

fn failed() -> io::Error {
    io::Error::other("the data connection's TLS handshake failed")
}

impl DataStream {
    /// The TCP socket under the stream (`None` during the TLS handshake
    /// and after it failed).
    pub fn tcp(&self) -> Option<&TcpStream> {
        match &self.io {
            Io::Plain(tcp) | Io::Waiting(tcp, _) => Some(tcp),
            Io::Tls(s) => Some(s.get_ref().0),
            Io::Handshaking(_) | Io::Failed => None,
        }
    }

    /// True when TLS protects this stream.
    pub fn is_tls(&self) -> bool {
        !matches!(self.io, Io::Plain(_))
    }

    /// True when the TLS handshake resumed the control connection's
    /// session (false before the handshake and for clear-text streams).
    pub fn is_resumed(&self) -> bool {
        match &self.io {
            Io::Tls(s) => s.get_ref().1.handshake_kind() == Some(rustls::HandshakeKind::Resumed),
            _ => false,
        }
    }

    /// Passive mode, TLS: starts the handshake at once, so the
    /// ClientHello waits in the server's socket when the server reaches
    /// its handshake (after the transfer command): a round trip less per
    /// FTPS transfer (see the blocking `DataStream::send_hello`). One poll
    /// writes it; the rest runs at the first use, and a failure shows
    /// there. The stream is not `used` yet: a refused command still ends
    /// it without waiting for a handshake the server will not run.
    fn send_hello(&mut self) {
        if !matches!(self.io, Io::Waiting(..)) {
            return;
        }
        let Io::Waiting(tcp, tls) = std::mem::replace(&mut self.io, Io::Failed) else {
            return;
        };
        let connector = TlsConnector::from(tls.config.clone());
        let mut connect = Box::new(connector.connect(tls.name.clone(), tcp));
        let mut cx = Context::from_waker(std::task::Waker::noop());
        self.io = match Pin::new(connect.as_mut()).poll(&mut cx) {
            Poll::Pending => Io::Handshaking(connect),
            Poll::Ready(Ok(stream)) => Io::Tls(Box::new(stream)),
            Poll::Ready(Err(e)) => {
                log::debug!("the data connection's TLS handshake failed at once: {e}");
                Io::Failed
            }
        };
    }

    /// Moves the handshake on; ready once the stream can carry data.
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.used = true;
        loop {
            match &mut self.io {
                Io::Plain(_) | Io::Tls(_) => return Poll::Ready(Ok(())),
                Io::Failed => return Poll::Ready(Err(failed())),
                Io::Waiting(..) => {
                    let Io::Waiting(tcp, tls) = std::mem::replace(&mut self.io, Io::Failed) else {
                        unreachable!("matched above")
                    };
                    let connector = TlsConnector::from(tls.config.clone());
                    self.io = Io::Handshaking(Box::new(connector.connect(tls.name.clone(), tcp)));
                }
                Io::Handshaking(connect) => {
                    let done = ready!(Pin::new(connect.as_mut()).poll(cx));
                    match done {
                        Ok(stream) => self.io = Io::Tls(Box::new(stream)),
                        Err(e) => {
                            self.io = Io::Failed;
                            return Poll::Ready(Err(e));
                        }
                    }
                }
            }
        }
    }

    /// Within the data timeout.
    async fn timed<T>(
        timeout: Option<Duration>,
        io: impl Future<Output = io::Result<T>>,
    ) -> io::Result<T> {
        match timeout {
            Some(t) => match tokio::time::timeout(t, io).await {
                Ok(r) => r,
                Err(_) => Err(stalled(io::ErrorKind::TimedOut.into(), Some(t))),
            },
            None => io.await,
        }
    }

    /// Ends the stream cleanly: TLS close_notify, TCP FIN, then reads what
    /// the server still sends until it closes (at most [`DRAIN_LIMIT`]), so
    /// nothing unread makes the kernel reset the connection under the
    /// server's last reads.
    pub(crate) async fn shutdown(mut self) -> io::Result<()> {
        let ended = self.ended;
        if ended && matches!(self.io, Io::Plain(_)) {
            return Ok(());
        }
        let result = self.send_end().await;
        if ended {
            return Ok(());
        }
        result?;
        if matches!(self.io, Io::Tls(_)) && self.used && !self.ended {
            self.drain(self.timeout).await;
        }
        Ok(())
    }

    /// Reads what the server still sends, until it ends the stream, at
    /// most [`DRAIN_LIMIT`], each read within `per_read`; a read error
    /// ends it too.
    async fn drain(&mut self, per_read: Option<Duration>) {
        let mut buf = vec![0u8; 16 * 1024];
        let mut drained = 0;
        while drained < DRAIN_LIMIT {
            match Self::timed(per_read, AsyncReadExt::read(self, &mut buf)).await {
                Ok(0) | Err(_) => break,
                Ok(n) => drained += n,
            }
        }
    }

    async fn send_end(&mut self) -> io::Result<()> {
        let timeout = self.timeout;
        // The transfer never began (the server refused the command): the
        // server will not run a handshake.
        if matches!(self.io, Io::Waiting(..) | Io::Handshaking(_) | Io::Failed) && !self.used {
            return Ok(());
        }
        // An empty upload may not have finished the handshake yet.
        if matches!(self.io, Io::Waiting(..) | Io::Handshaking(_)) {
            Self::timed(timeout, std::future::poll_fn(|cx| self.poll_ready(cx))).await?;
        }
        // Through a proxy: close_notify, then the server's (or a moment),
        // then FIN (see the blocking `DataStream::await_peer_close`).
        if self.patient
            && let Io::Tls(s) = &mut self.io
        {
            s.get_mut().1.send_close_notify();
            Self::timed(timeout, s.flush()).await?;
            self.drain(Some(crate::net::data::PEER_CLOSE_WAIT)).await;
        }
        let shut = match &mut self.io {
            Io::Plain(tcp) => Self::timed(timeout, tcp.shutdown()).await,
            // Our close_notify is out: FIN.
            Io::Tls(s) if self.patient => Self::timed(timeout, s.get_mut().0.shutdown()).await,
            // close_notify, then FIN.
            Io::Tls(s) => Self::timed(timeout, s.shutdown()).await,
            _ => return Ok(()),
        };
        match shut {
            Err(e) if e.kind() != io::ErrorKind::NotConnected => Err(e),
            _ => Ok(()),
        }
    }
}

impl AsyncRead for DataStream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_ready(cx))?;
        let before = buf.filled().len();
        let result = match &mut this.io {
            Io::Plain(tcp) => ready!(Pin::new(tcp).poll_read(cx, buf)),
            Io::Tls(s) => match ready!(Pin::new(s.as_mut()).poll_read(cx, buf)) {
                // Some servers close without close_notify. The final reply
                // on the (protected) control connection still has to be
                // 2xx for the transfer to count, and the size it announced
                // is checked.
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    log::debug!("data connection closed without TLS close_notify");
                    Ok(())
                }
                other => other,
            },
            _ => Err(failed()),
        };
        if result.is_ok() && buf.filled().len() == before && buf.remaining() > 0 {
            this.ended = true;
        }
        Poll::Ready(result)
    }
}

impl AsyncWrite for DataStream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_ready(cx))?;
        match &mut this.io {
            Io::Plain(tcp) => Pin::new(tcp).poll_write(cx, buf),
            Io::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
            _ => Poll::Ready(Err(failed())),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_ready(cx))?;
        match &mut this.io {
            Io::Plain(tcp) => Pin::new(tcp).poll_flush(cx),
            Io::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
            _ => Poll::Ready(Err(failed())),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_ready(cx))?;
        match &mut this.io {
            Io::Plain(tcp) => Pin::new(tcp).poll_shutdown(cx),
            Io::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
            _ => Poll::Ready(Err(failed())),
        }
    }
}

impl embedded_io::ErrorType for DataStream {
    type Error = io::Error;
}

impl embedded_io_async::Read for DataStream {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, io::Error> {
        let timeout = self.timeout;
        Self::timed(timeout, AsyncReadExt::read(self, buf)).await
    }
}

impl embedded_io_async::Write for DataStream {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, io::Error> {
        let timeout = self.timeout;
        Self::timed(timeout, AsyncWriteExt::write(self, buf)).await
    }

    async fn flush(&mut self) -> Result<(), io::Error> {
        let timeout = self.timeout;
        Self::timed(timeout, AsyncWriteExt::flush(self)).await
    }
}

/// Opens tokio data connections: passive connects (from the source address
/// when one is set), active listens on the control connection's local
/// address. After PROT P, streams are TLS clients resuming the control's
/// session.
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
    async fn bound(&self, mut tcp: TcpStream) -> io::Result<(TcpStream, SocketAddr)> {
        let Some((proxy, server)) = &self.settings.proxy else {
            return Err(io::Error::other("a BIND without a proxy"));
        };
        let from =
            super::handshake::bind_accept(&mut tcp, proxy, server, self.settings.connect_timeout)
                .await?;
        log::debug!("data connection through the proxy's BIND, from {from:?}");
        let proxy_addr = tcp.peer_addr()?;
        Ok((tcp, proxy_addr))
    }

    fn stream(&self, tcp: TcpStream) -> io::Result<DataStream> {
        // Writes are large; without this the last partial segment of an
        // upload waits for the server's delayed ACK.
        tcp.set_nodelay(true)?;
        set_keepalive(socket2::SockRef::from(&tcp), self.settings.keepalive);
        let io = match &self.settings.tls {
            Some(tls) => Io::Waiting(tcp, tls.clone()),
            None => Io::Plain(tcp),
        };
        Ok(DataStream {
            io,
            ended: false,
            used: false,
            timeout: self.settings.data_timeout,
            patient: self.settings.proxy.is_some(),
        })
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

impl Connector {
    /// A TCP connection to the data port `addr` (through the proxy when
    /// there is one).
    async fn tcp(&self, addr: SocketAddr) -> io::Result<TcpStream> {
        match &self.settings.proxy {
            Some((proxy, server)) => {
                super::handshake::connect_via(
                    proxy,
                    &server.at_port(addr.port()),
                    self.settings.source,
                    self.settings.connect_timeout,
                )
                .await
            }
            None => tcp_connect(addr, self.settings.source, self.settings.connect_timeout).await,
        }
    }
}

impl DataConnector for Connector {
    type Error = io::Error;
    type Stream = DataStream;
    type Listener = DataListener;

    async fn connect(&mut self, addr: SocketAddr) -> io::Result<DataStream> {
        let tcp = self.tcp(addr).await?;
        let mut stream = self.stream(tcp)?;
        stream.send_hello();
        Ok(stream)
    }

    async fn release(&mut self, addr: SocketAddr) -> io::Result<()> {
        // A plain TCP connection, closed at once: no TLS handshake.
        drop(self.tcp(addr).await?);
        Ok(())
    }

    async fn listen(&mut self) -> io::Result<(DataListener, SocketAddr)> {
        if let Some((proxy, server)) = &self.settings.proxy {
            let (tcp, bound) = super::handshake::bind_via(
                proxy,
                &server.at_port(0),
                self.settings.source,
                self.settings.connect_timeout,
            )
            .await?;
            return Ok((DataListener::Proxy(tcp), bound));
        }
        let listener = TcpListener::bind(SocketAddr::new(self.settings.local.ip(), 0)).await?;
        let addr = listener.local_addr()?;
        Ok((DataListener::Socket(listener), addr))
    }

    async fn accept(&mut self, listener: DataListener) -> io::Result<(DataStream, SocketAddr)> {
        let accepted = match listener {
            DataListener::Socket(listener) => match self.settings.connect_timeout {
                Some(t) => tokio::time::timeout(t, listener.accept())
                    .await
                    .unwrap_or_else(|_| {
                        Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            "the server did not open the data connection",
                        ))
                    }),
                None => listener.accept().await,
            },
            DataListener::Proxy(tcp) => self.bound(tcp).await,
        };
        // The server's reply to the transfer command comes next.
        self.settings.clock.restart();
        let (tcp, from) = accepted?;
        // Nothing is read or sent yet (a TLS handshake starts at the first
        // read or write): the session checks `from` first.
        Ok((self.stream(tcp)?, from))
    }

    async fn close(&mut self, stream: DataStream) -> io::Result<()> {
        let result = stream.shutdown().await;
        // The final reply is awaited from now on.
        self.settings.clock.restart();
        result
    }

    fn abort(&mut self, stream: DataStream) {
        // A reset, not a FIN: the server stops sending at once.
        if let Some(tcp) = stream.tcp() {
            let _ = socket2::SockRef::from(tcp).set_linger(Some(Duration::ZERO));
        }
        drop(stream);
        self.settings.clock.restart();
    }
}
