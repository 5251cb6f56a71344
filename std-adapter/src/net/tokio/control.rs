//! The tokio control connection: a TCP stream that TLS (tokio-rustls) can
//! be started on and ended on, every read and write bounded by the
//! deadline of the whole reply, as on the blocking side.

use std::future::Future;
use std::io;
#[cfg(not(unix))]
use std::task::{Context, Poll, Waker};

#[cfg(not(unix))]
use tokio::io::ReadBuf;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::net::clock::ReplyClock;
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

enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
    /// A TLS change was dropped half-way (its future cancelled): the
    /// connection is gone with it.
    Gone,
}

/// The control connection's stream: clear text or TLS over one TCP
/// socket, `embedded-io-async` for the core's async session.
pub struct Control {
    stream: Stream,
    clock: ReplyClock,
}

impl std::fmt::Debug for Control {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Control")
            .field("tcp", &self.tcp())
            .field("tls", &self.is_tls())
            .finish()
    }
}

fn gone() -> io::Error {
    io::Error::new(
        io::ErrorKind::NotConnected,
        "the control connection was lost when a TLS change was cancelled",
    )
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
        matches!(tcp.poll_peek(&mut cx, &mut buf), Poll::Ready(_))
    }
}

impl Control {
    pub(crate) fn new(tcp: TcpStream, clock: ReplyClock) -> Self {
        Control {
            stream: Stream::Plain(tcp),
            clock,
        }
    }

    /// True once TLS protects the control connection.
    pub fn is_tls(&self) -> bool {
        matches!(self.stream, Stream::Tls(_))
    }

    /// The TLS version in use on the control connection.
    pub fn tls_version(&self) -> Option<rustls::ProtocolVersion> {
        match &self.stream {
            Stream::Tls(s) => s.get_ref().1.protocol_version(),
            _ => None,
        }
    }

    /// The TCP socket (`None` after a cancelled TLS change lost it).
    pub fn tcp(&self) -> Option<&TcpStream> {
        match &self.stream {
            Stream::Plain(tcp) => Some(tcp),
            Stream::Tls(s) => Some(s.get_ref().0),
            Stream::Gone => None,
        }
    }

    /// Runs the TLS handshake now, within the reply timeout.
    pub(crate) async fn start_tls(&mut self, tls: &TlsContext) -> io::Result<()> {
        let tcp = match std::mem::replace(&mut self.stream, Stream::Gone) {
            Stream::Plain(tcp) => tcp,
            other => {
                self.stream = other;
                return Err(io::Error::other("TLS is already on"));
            }
        };
        self.clock.restart();
        let connector = TlsConnector::from(tls.config.clone());
        let stream = within_reply(&self.clock, connector.connect(tls.name.clone(), tcp))
            .await
            .map_err(|e| handshake_error(e, tls))?;
        let conn = stream.get_ref().1;
        log::debug!(
            "control connection: {:?}, {:?}",
            conn.protocol_version(),
            conn.negotiated_cipher_suite()
        );
        self.stream = Stream::Tls(Box::new(stream));
        Ok(())
    }

    /// Ends TLS after CCC: sends close_notify and waits for the server's,
    /// then goes on in clear text.
    pub(crate) async fn end_tls(&mut self) -> io::Result<()> {
        let mut stream = match std::mem::replace(&mut self.stream, Stream::Gone) {
            Stream::Tls(s) => s,
            other => {
                self.stream = other;
                return Ok(());
            }
        };
        self.clock.restart();
        stream.get_mut().1.send_close_notify();
        within_reply(&self.clock, stream.flush()).await?;
        // Bounded by the reply deadline; what comes before the server's
        // close_notify is no reply of ours.
        let mut buf = [0u8; 512];
        loop {
            match within_reply(&self.clock, stream.read(&mut buf)).await {
                Ok(0) => break,
                Ok(_) => continue,
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "the server closed the connection after CCC",
                    ));
                }
                Err(e) => return Err(e),
            }
        }
        let (tcp, _) = stream.into_inner();
        self.stream = Stream::Plain(tcp);
        Ok(())
    }

    /// True when a reply (or part of one) can be read without waiting;
    /// over TLS only application data counts (see the blocking
    /// `Control`).
    fn pending(&mut self) -> io::Result<bool> {
        let stream = match &mut self.stream {
            Stream::Plain(tcp) => return Ok(socket_ready(tcp)),
            Stream::Tls(s) => s,
            Stream::Gone => return Ok(true),
        };
        let (tcp, conn) = stream.get_mut();
        let tcp = &*tcp;
        crate::net::ready::tls_ready(
            conn,
            || Ok(socket_ready(tcp)),
            |conn| conn.read_tls(&mut TryRead(tcp)),
        )
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
        match &mut self.stream {
            Stream::Plain(tcp) => within_reply(&self.clock, tcp.read(buf)).await,
            Stream::Tls(s) => within_reply(&self.clock, s.read(buf)).await,
            Stream::Gone => Err(gone()),
        }
    }
}

impl embedded_io_async::Write for Control {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, io::Error> {
        // Something is sent: a reply to it is awaited.
        self.clock.restart();
        match &mut self.stream {
            Stream::Plain(tcp) => within_reply(&self.clock, tcp.write(buf)).await,
            Stream::Tls(s) => within_reply(&self.clock, s.write(buf)).await,
            Stream::Gone => Err(gone()),
        }
    }

    async fn flush(&mut self) -> Result<(), io::Error> {
        match &mut self.stream {
            Stream::Plain(tcp) => within_reply(&self.clock, tcp.flush()).await,
            Stream::Tls(s) => within_reply(&self.clock, s.flush()).await,
            Stream::Gone => Err(gone()),
        }
    }
}
