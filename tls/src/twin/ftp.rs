//! The FTP session's side: a control stream that turns to TLS after AUTH
//! TLS, and a data connector whose streams are TLS after PROT P, each
//! resuming the control connection's session (the same configuration and
//! its session store).

use alloc::boxed::Box;
use alloc::sync::Arc;
use core::net::SocketAddr;

use embedded_io::{ErrorType, ReadReady};

use super::bisync;
use super::io::{DataConnector, Read, Write};
use rustls::ClientConfig;
use rustls::pki_types::ServerName;

use super::TlsStream;
use crate::TlsError;

/// A stream in clear text or in TLS: the control connection (clear until
/// AUTH TLS is answered) and each data connection.
pub enum MaybeTls<T> {
    Plain(T),
    /// On the heap: a rustls connection is about a KiB.
    Tls(Box<TlsStream<T>>),
    /// Between the two: a failed upgrade leaves nothing.
    Gone,
}

#[bisync]
impl<T: Read + Write> MaybeTls<T> {
    /// Turns a clear stream to TLS (after the server's 234 to AUTH TLS)
    /// and runs the handshake, so a certificate that does not verify is
    /// the error here.
    pub async fn upgrade(
        &mut self,
        config: &Arc<ClientConfig>,
        name: &ServerName<'static>,
    ) -> Result<(), TlsError<T::Error>> {
        let MaybeTls::Plain(io) = core::mem::replace(self, MaybeTls::Gone) else {
            return Err(TlsError::Closed);
        };
        let mut tls = TlsStream::new(io, config.clone(), name.clone()).map_err(TlsError::Tls)?;
        tls.handshake().await?;
        *self = MaybeTls::Tls(Box::new(tls));
        Ok(())
    }
}

impl<T> MaybeTls<T> {
    /// The stream under TLS, for good (its TLS state dropped, nothing
    /// said: for a new connection on the same socket); `None` after a
    /// failed upgrade.
    pub fn into_inner(self) -> Option<T> {
        match self {
            MaybeTls::Plain(t) => Some(t),
            MaybeTls::Tls(t) => Some(t.into_inner()),
            MaybeTls::Gone => None,
        }
    }

    /// True when a TLS handshake resumed an earlier session.
    pub fn is_resumed(&self) -> bool {
        matches!(self, MaybeTls::Tls(t) if t.is_resumed())
    }
}

impl<T: ErrorType> ErrorType for MaybeTls<T> {
    type Error = TlsError<T::Error>;
}

#[bisync]
impl<T: Read + Write> Read for MaybeTls<T> {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        match self {
            MaybeTls::Plain(io) => io.read(buf).await.map_err(TlsError::Io),
            MaybeTls::Tls(t) => t.read(buf).await,
            MaybeTls::Gone => Err(TlsError::Closed),
        }
    }
}

#[bisync]
impl<T: Read + Write> Write for MaybeTls<T> {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        match self {
            MaybeTls::Plain(io) => io.write(buf).await.map_err(TlsError::Io),
            MaybeTls::Tls(t) => t.write(buf).await,
            MaybeTls::Gone => Err(TlsError::Closed),
        }
    }

    async fn flush(&mut self) -> Result<(), Self::Error> {
        match self {
            MaybeTls::Plain(io) => io.flush().await.map_err(TlsError::Io),
            MaybeTls::Tls(t) => t.flush().await,
            MaybeTls::Gone => Err(TlsError::Closed),
        }
    }
}

impl<T: Read + Write + ReadReady> ReadReady for MaybeTls<T> {
    fn read_ready(&mut self) -> Result<bool, Self::Error> {
        match self {
            MaybeTls::Plain(io) => io.read_ready().map_err(TlsError::Io),
            MaybeTls::Tls(t) => t.read_ready(),
            MaybeTls::Gone => Err(TlsError::Closed),
        }
    }
}

/// The most plaintext a closing data stream reads before it gives up
/// (an abandoned download is not read to its end).
const DRAIN_LIMIT: usize = 64 * 1024;

/// A data connector whose streams are TLS once [`TlsData::protect`] was
/// called (after PROT P), with the control connection's configuration:
/// its session store makes each data connection resume that session.
pub struct TlsData<D> {
    inner: D,
    tls: Option<(Arc<ClientConfig>, ServerName<'static>)>,
}

impl<D> TlsData<D> {
    /// Clear-text data connections over `inner` until `protect`.
    pub fn new(inner: D) -> Self {
        TlsData { inner, tls: None }
    }

    /// Data connections in TLS from now on (PROT P), or clear (`None`,
    /// PROT C).
    pub fn protect(&mut self, tls: Option<(Arc<ClientConfig>, ServerName<'static>)>) {
        self.tls = tls;
    }

    /// The connector under TLS.
    pub fn inner_mut(&mut self) -> &mut D {
        &mut self.inner
    }

    /// The connector under TLS, for good (a new session on its sockets).
    pub fn into_inner(self) -> D {
        self.inner
    }
}

#[bisync]
impl<D> DataConnector for TlsData<D>
where
    D: DataConnector,
    D::Stream: Read + Write,
{
    type Error = TlsError<D::Error>;
    type Stream = MaybeTls<D::Stream>;
    type Listener = D::Listener;

    async fn connect(&mut self, addr: SocketAddr) -> Result<Self::Stream, Self::Error> {
        let stream = self.inner.connect(addr).await.map_err(TlsError::Io)?;
        self.wrap(stream)
    }

    async fn listen(&mut self) -> Result<(Self::Listener, SocketAddr), Self::Error> {
        self.inner.listen().await.map_err(TlsError::Io)
    }

    async fn accept(
        &mut self,
        listener: Self::Listener,
    ) -> Result<(Self::Stream, SocketAddr), Self::Error> {
        let (stream, from) = self.inner.accept(listener).await.map_err(TlsError::Io)?;
        Ok((self.wrap(stream)?, from))
    }

    async fn release(&mut self, addr: SocketAddr) -> Result<(), Self::Error> {
        // In clear: no handshake spends a session ticket there.
        self.inner.release(addr).await.map_err(TlsError::Io)
    }

    #[bisync(blocking)]
    fn accept_or_control<R: embedded_io::ReadReady>(
        &mut self,
        listener: Self::Listener,
        control: &mut R,
    ) -> Result<ftp_core::Accepted<Self::Stream, Self::Listener>, Self::Error> {
        match self
            .inner
            .accept_or_control(listener, control)
            .map_err(TlsError::Io)?
        {
            ftp_core::Accepted::Connection(stream, from) => {
                Ok(ftp_core::Accepted::Connection(self.wrap(stream)?, from))
            }
            ftp_core::Accepted::ControlReady(listener) => {
                Ok(ftp_core::Accepted::ControlReady(listener))
            }
        }
    }

    async fn close(&mut self, stream: Self::Stream) -> Result<(), Self::Error> {
        match stream {
            MaybeTls::Plain(s) => self.inner.close(s).await.map_err(TlsError::Io),
            MaybeTls::Tls(mut t) => {
                // close_notify first: a server with strict_ssl_read_eof
                // takes an upload as whole only with it.
                // A download the server ended: our goodbye may find the
                // connection closed, which does not make it fail.
                let ended = t.is_ended();
                let said = t.close().await;
                // The server's answer to it: its last records, the
                // session tickets of this connection among them.
                let said = match said {
                    Ok(()) => t.drain(DRAIN_LIMIT).await,
                    Err(e) => Err(e),
                };
                let closed = self
                    .inner
                    .close((*t).into_inner())
                    .await
                    .map_err(TlsError::Io);
                if ended {
                    return Ok(());
                }
                said.and(closed)
            }
            MaybeTls::Gone => Ok(()),
        }
    }

    fn abort(&mut self, stream: Self::Stream) {
        match stream {
            MaybeTls::Plain(s) => self.inner.abort(s),
            MaybeTls::Tls(t) => self.inner.abort(t.into_inner()),
            MaybeTls::Gone => {}
        }
    }
}

impl<D> TlsData<D>
where
    D: DataConnector,
    D::Stream: Read + Write,
{
    /// A new data stream, TLS when protected (the handshake runs at its
    /// first read or write, once the server has the transfer command).
    fn wrap(&self, stream: D::Stream) -> Result<MaybeTls<D::Stream>, TlsError<D::Error>> {
        Ok(match &self.tls {
            Some((config, name)) => MaybeTls::Tls(Box::new(
                TlsStream::new(stream, config.clone(), name.clone()).map_err(TlsError::Tls)?,
            )),
            None => MaybeTls::Plain(stream),
        })
    }
}
