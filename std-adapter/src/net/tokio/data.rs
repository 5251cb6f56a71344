//! tokio data connections, in clear text or TLS (PROT P, the pump of
//! `net/pump.rs` with its read-ahead, as on the blocking side) resuming
//! the control connection's TLS session, with the blocking side's rules:
//! the handshake at the first read or write, a clean close (close_notify,
//! FIN, the server's last bytes read), data timeouts.

use std::future::{Future, poll_fn};
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;

use super::{Polled, ready};
use crate::net::data::{Close, DRAIN_LIMIT, DataState, PEER_CLOSE_WAIT, Settings, stalled};

/// One data connection: a TCP stream, TLS-wrapped after PROT P. It is
/// tokio's `AsyncRead` and `AsyncWrite` (for [`crate::tokio::Ftp::ntransfercmd`];
/// no timeout there, as with tokio's own streams: wrap calls in
/// `tokio::time::timeout`), and `embedded-io-async` with the data timeout
/// for the core's session.
pub struct DataStream {
    tcp: TcpStream,
    state: DataState,
}

impl std::fmt::Debug for DataStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataStream")
            .field("tls", &self.is_tls())
            .field("ended", &self.state.ended)
            .finish()
    }
}

impl DataStream {
    /// A connected socket as a data stream of this runtime: the data
    /// timeout on every read and write of the session, TLS to come after
    /// PROT P.
    pub(crate) fn open(tcp: TcpStream, settings: &Settings) -> io::Result<DataStream> {
        Ok(DataStream {
            tcp,
            state: DataState::new(settings, true)?,
        })
    }

    /// Drops the connection with a reset, not a FIN: the server stops
    /// sending at once.
    pub(crate) fn reset(self) {
        let _ = socket2::SockRef::from(&self.tcp).set_linger(Some(Duration::ZERO));
    }

    /// The TCP socket under the stream.
    pub fn tcp(&self) -> &TcpStream {
        &self.tcp
    }

    /// True when TLS protects this stream.
    pub fn is_tls(&self) -> bool {
        self.state.tls.is_some()
    }

    /// True when the TLS handshake resumed the control connection's
    /// session (false before the handshake and for clear-text streams).
    pub fn is_resumed(&self) -> bool {
        self.state.is_resumed()
    }

    /// Passive mode, TLS: the ClientHello goes out as soon as the
    /// connection is up, so it waits in the server's socket when the
    /// server reaches its handshake (after the transfer command): a round
    /// trip less per FTPS transfer (see the blocking
    /// `DataStream::send_hello`). What the socket does not take at once
    /// goes at the first use, and a failure shows there. The stream is not
    /// `used` yet: a refused command still ends it without waiting for a
    /// handshake the server will not run.
    pub(crate) fn send_hello(&mut self) {
        if let Some(pump) = &mut self.state.tls {
            let mut cx = Context::from_waker(std::task::Waker::noop());
            pump.send_hello(&mut Polled {
                tcp: &mut self.tcp,
                cx: &mut cx,
            });
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
    /// ([`close_policy`](crate::net::data::close_policy)): TLS close_notify, TCP FIN, then what the server
    /// still sends until it closes (at most [`DRAIN_LIMIT`]).
    pub(crate) async fn shutdown(mut self) -> io::Result<()> {
        let plan = self.state.close_plan();
        if plan.silent {
            return Ok(());
        }
        let result = self.send_end(&plan).await;
        if !plan.strict {
            return Ok(());
        }
        result?;
        if plan.drain && !self.state.ended {
            self.drain(self.state.timeout).await;
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
        let timeout = self.state.timeout;
        if let Some(pump) = &mut self.state.tls {
            let tcp = &mut self.tcp;
            if plan.handshake {
                let handshake = poll_fn(|cx| ready(pump.handshake(&mut Polled { tcp, cx })));
                Self::timed(timeout, handshake).await?;
            }
            if plan.close_notify {
                let notify = poll_fn(|cx| ready(pump.close_notify(&mut Polled { tcp, cx })));
                Self::timed(timeout, notify).await?;
            }
            // Through a proxy: the server's close_notify (or a moment)
            // before FIN (see the blocking `DataStream::await_peer_close`).
            if plan.await_peer {
                self.drain(Some(PEER_CLOSE_WAIT)).await;
            }
        }
        match Self::timed(timeout, self.tcp.shutdown()).await {
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
        this.state.used = true;
        let before = buf.filled().len();
        let result = match &mut this.state.tls {
            None => std::task::ready!(Pin::new(&mut this.tcp).poll_read(cx, buf)),
            Some(pump) => {
                let tcp = &mut this.tcp;
                match std::task::ready!(ready(
                    pump.read(&mut Polled { tcp, cx }, buf.initialize_unfilled())
                )) {
                    Ok(n) => {
                        buf.advance(n);
                        Ok(())
                    }
                    // Some servers close without close_notify. The final
                    // reply on the (protected) control connection still
                    // has to be 2xx for the transfer to count, and the
                    // size it announced is checked.
                    Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                        log::debug!("data connection closed without TLS close_notify");
                        Ok(())
                    }
                    Err(e) => Err(e),
                }
            }
        };
        if result.is_ok() && buf.filled().len() == before && buf.remaining() > 0 {
            this.state.ended = true;
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
        this.state.used = true;
        match &mut this.state.tls {
            None => Pin::new(&mut this.tcp).poll_write(cx, buf),
            Some(pump) => ready(pump.write(
                &mut Polled {
                    tcp: &mut this.tcp,
                    cx,
                },
                buf,
            )),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.state.used = true;
        match &mut this.state.tls {
            None => Pin::new(&mut this.tcp).poll_flush(cx),
            Some(pump) => ready(pump.flush(&mut Polled {
                tcp: &mut this.tcp,
                cx,
            })),
        }
    }

    /// close_notify (over TLS), then FIN.
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        this.state.used = true;
        if let Some(pump) = &mut this.state.tls {
            let mut sock = Polled {
                tcp: &mut this.tcp,
                cx,
            };
            std::task::ready!(ready(
                pump.handshake(&mut sock)
                    .and_then(|()| pump.close_notify(&mut sock))
            ))?;
        }
        Pin::new(&mut this.tcp).poll_shutdown(cx)
    }
}

impl embedded_io::ErrorType for DataStream {
    type Error = io::Error;
}

impl embedded_io_async::Read for DataStream {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, io::Error> {
        let timeout = self.state.timeout;
        Self::timed(timeout, AsyncReadExt::read(self, buf)).await
    }
}

impl embedded_io_async::Write for DataStream {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, io::Error> {
        let timeout = self.state.timeout;
        Self::timed(timeout, AsyncWriteExt::write(self, buf)).await
    }

    async fn flush(&mut self) -> Result<(), io::Error> {
        let timeout = self.state.timeout;
        Self::timed(timeout, AsyncWriteExt::flush(self)).await
    }
}
