//! The tokio control connection: a TCP stream that TLS (the pump of
//! `net/pump.rs`, as on the blocking side) can be started on and ended
//! on, every read and write bounded by the deadline of the whole reply.

use std::future::{Future, poll_fn};
use std::io;
#[cfg(not(unix))]
use std::task::{Context, Poll, Waker};

#[cfg(not(unix))]
use tokio::io::ReadBuf;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{Polled, ready};
use crate::net::clock::ReplyClock;
use crate::net::pump::Pump;
use crate::net::tls::TlsContext;
use crate::net::tls::handshake_error;

/// Runs `io` within what is left of the reply deadline.
async fn within_reply<T>(
    clock: &ReplyClock,
    io: impl Future<Output = io::Result<T>>,
) -> io::Result<T> {
    match clock.remaining()? {
        Some(left) => tokio::time::timeout(left, io)
            .await
            .unwrap_or_else(|_| Err(clock.expired())),
        None => io.await,
    }
}

/// The control connection's stream: clear text or TLS over one TCP
/// socket, `embedded-io-async` for the core's async session. A TLS change
/// cancelled half-way leaves the pump where it stopped: the next read or
/// write goes on from there.
pub struct Control {
    tcp: TcpStream,
    tls: Option<Pump>,
    clock: ReplyClock,
}

impl std::fmt::Debug for Control {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Control")
            .field("tcp", &self.tcp)
            .field("tls", &self.is_tls())
            .finish()
    }
}

/// A tokio socket read without waiting (rustls takes records from it).
/// On Unix a plain `read` of the non-blocking socket, for the reason
/// [`socket_ready`] gives.
struct TryRead<'a>(&'a TcpStream);

impl io::Read for TryRead<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        #[cfg(unix)]
        {
            rustix::io::read(self.0, buf).map_err(io::Error::from)
        }
        #[cfg(not(unix))]
        {
            self.0.try_read(buf)
        }
    }
}

/// True when the socket has bytes to read (or its end, or an error, which
/// a read then reports), without waiting.
fn socket_ready(tcp: &TcpStream) -> bool {
    #[cfg(unix)]
    {
        crate::net::ready::socket_ready(tcp)
    }
    #[cfg(not(unix))]
    {
        let mut byte = [0u8; 1];
        let mut buf = ReadBuf::new(&mut byte);
        let mut cx = Context::from_waker(Waker::noop());
        let peek = tcp.poll_peek(&mut cx, &mut buf);
        match peek {
            Poll::Pending => false,
            // WASI's sockets cannot peek: no reply is taken as waiting
            // (as the blocking side does there).
            Poll::Ready(Err(e)) if e.kind() == std::io::ErrorKind::Unsupported => false,
            Poll::Ready(_) => true,
        }
    }
}

impl Control {
    pub(crate) fn new(tcp: TcpStream, clock: ReplyClock) -> Self {
        Control {
            tcp,
            tls: None,
            clock,
        }
    }

    /// True once TLS protects the control connection.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// The TLS version in use on the control connection.
    pub fn tls_version(&self) -> Option<rustls::ProtocolVersion> {
        self.tls.as_ref().and_then(|p| p.conn().protocol_version())
    }

    /// The TCP socket.
    pub fn tcp(&self) -> &TcpStream {
        &self.tcp
    }

    /// Runs the TLS handshake now, within the reply timeout.
    pub(crate) async fn start_tls(&mut self, tls: &TlsContext) -> io::Result<()> {
        if self.tls.is_some() {
            return Err(io::Error::other("TLS is already on"));
        }
        self.clock.restart();
        let Control {
            tcp,
            tls: on,
            clock,
        } = self;
        let pump = on.insert(Pump::new(tls.connection()?, 0));
        within_reply(
            clock,
            poll_fn(|cx| ready(pump.handshake(&mut Polled { tcp, cx }))),
        )
        .await
        .map_err(|e| handshake_error(e, tls))?;
        log::debug!(
            "control connection: {:?}, {:?}",
            pump.conn().protocol_version(),
            pump.conn().negotiated_cipher_suite()
        );
        Ok(())
    }

    /// Ends TLS after CCC: sends close_notify and waits for the server's,
    /// then goes on in clear text.
    pub(crate) async fn end_tls(&mut self) -> io::Result<()> {
        let Control { tcp, tls, clock } = self;
        let Some(pump) = tls else {
            return Ok(());
        };
        clock.restart();
        within_reply(
            clock,
            poll_fn(|cx| ready(pump.end(&mut Polled { tcp, cx }))),
        )
        .await?;
        *tls = None;
        Ok(())
    }

    /// True when a reply (or part of one) can be read without waiting;
    /// over TLS only application data counts (see the blocking
    /// `Control`).
    fn pending(&mut self) -> io::Result<bool> {
        let tcp = &self.tcp;
        match &mut self.tls {
            None => Ok(socket_ready(tcp)),
            Some(pump) => crate::net::ready::tls_ready(
                pump.conn_mut(),
                || Ok(socket_ready(tcp)),
                |conn| conn.read_tls(&mut TryRead(tcp)),
            ),
        }
    }
}

impl embedded_io::ErrorType for Control {
    type Error = io::Error;
}

impl embedded_io::ReadReady for Control {
    fn read_ready(&mut self) -> Result<bool, io::Error> {
        let ready = self.pending()?;
        if ready {
            // A reply nobody asked for: read whole within a fresh deadline.
            self.clock.restart();
        }
        Ok(ready)
    }
}

impl embedded_io_async::Read for Control {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, io::Error> {
        let Control { tcp, tls, clock } = self;
        match tls {
            None => within_reply(clock, tcp.read(buf)).await,
            Some(pump) => {
                within_reply(
                    clock,
                    poll_fn(|cx| ready(pump.read(&mut Polled { tcp, cx }, buf))),
                )
                .await
            }
        }
    }
}

impl embedded_io_async::Write for Control {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, io::Error> {
        // Something is sent: a reply to it is awaited.
        self.clock.restart();
        let Control { tcp, tls, clock } = self;
        match tls {
            None => within_reply(clock, tcp.write(buf)).await,
            Some(pump) => {
                within_reply(
                    clock,
                    poll_fn(|cx| ready(pump.write(&mut Polled { tcp, cx }, buf))),
                )
                .await
            }
        }
    }

    async fn flush(&mut self) -> Result<(), io::Error> {
        let Control { tcp, tls, clock } = self;
        match tls {
            None => within_reply(clock, tcp.flush()).await,
            Some(pump) => {
                within_reply(
                    clock,
                    poll_fn(|cx| ready(pump.flush(&mut Polled { tcp, cx }))),
                )
                .await
            }
        }
    }
}
