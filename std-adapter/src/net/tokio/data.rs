//! tokio data connections, in clear text or TLS (PROT P, tokio-rustls)
//! resuming the control connection's TLS session, with the blocking
//! side's rules: the handshake at the first read or write, a clean close
//! (close_notify, FIN, the server's last bytes read), data timeouts.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::net::data::{Close, DRAIN_LIMIT, PEER_CLOSE_WAIT, Settings, close_policy, stalled};
use crate::net::tls::TlsContext;

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
    /// A connected socket as a data stream of this runtime: the data
    /// timeout on every read and write of the session, TLS to come after
    /// PROT P.
    pub(crate) fn open(tcp: TcpStream, settings: &Settings) -> io::Result<DataStream> {
        let io = match &settings.tls {
            Some(tls) => Io::Waiting(tcp, tls.clone()),
            None => Io::Plain(tcp),
        };
        Ok(DataStream {
            io,
            ended: false,
            used: false,
            timeout: settings.data_timeout,
            patient: settings.proxy.is_some(),
        })
    }

    /// Drops the connection with a reset, not a FIN: the server stops
    /// sending at once.
    pub(crate) fn reset(self) {
        if let Some(tcp) = self.tcp() {
            let _ = socket2::SockRef::from(tcp).set_linger(Some(Duration::ZERO));
        }
    }

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
    pub(crate) fn send_hello(&mut self) {
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

    /// Ends the stream cleanly, as the close policy says
    /// ([`close_policy`]): TLS close_notify, TCP FIN, then what the server
    /// still sends until it closes (at most [`DRAIN_LIMIT`]).
    pub(crate) async fn shutdown(mut self) -> io::Result<()> {
        let handshaking = !matches!(self.io, Io::Plain(_) | Io::Tls(_));
        let plan = close_policy(
            self.ended,
            self.is_tls(),
            self.used,
            handshaking,
            self.patient,
        );
        if plan.silent {
            return Ok(());
        }
        let result = self.send_end(&plan).await;
        if !plan.strict {
            return Ok(());
        }
        result?;
        if plan.drain && matches!(self.io, Io::Tls(_)) && !self.ended {
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

    async fn send_end(&mut self, plan: &Close) -> io::Result<()> {
        let timeout = self.timeout;
        if plan.handshake && matches!(self.io, Io::Waiting(..) | Io::Handshaking(_)) {
            Self::timed(timeout, std::future::poll_fn(|cx| self.poll_ready(cx))).await?;
        }
        // Through a proxy: close_notify, then the server's (or a moment),
        // then FIN (see the blocking `DataStream::await_peer_close`).
        if plan.await_peer
            && let Io::Tls(s) = &mut self.io
        {
            s.get_mut().1.send_close_notify();
            Self::timed(timeout, s.flush()).await?;
            self.drain(Some(PEER_CLOSE_WAIT)).await;
        }
        let shut = match &mut self.io {
            Io::Plain(tcp) => Self::timed(timeout, tcp.shutdown()).await,
            // Our close_notify is out: FIN.
            Io::Tls(s) if plan.await_peer => Self::timed(timeout, s.get_mut().0.shutdown()).await,
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
