//! The error of a TLS stream, the same in both twins.

use embedded_io::ErrorKind;

/// What went wrong on a TLS stream.
#[derive(Debug)]
pub enum TlsError<E> {
    /// The stream under TLS failed.
    Io(E),
    /// TLS itself: a certificate that does not verify, a bad record, an
    /// alert from the server.
    Tls(rustls::Error),
    /// The peer closed the connection in the middle of the handshake.
    Closed,
}

impl<E: embedded_io::Error> embedded_io::Error for TlsError<E> {
    fn kind(&self) -> ErrorKind {
        match self {
            TlsError::Io(e) => e.kind(),
            TlsError::Tls(_) => ErrorKind::InvalidData,
            TlsError::Closed => ErrorKind::ConnectionAborted,
        }
    }
}

impl<E: core::fmt::Debug> core::fmt::Display for TlsError<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            TlsError::Io(e) => write!(f, "{e:?}"),
            TlsError::Tls(e) => write!(f, "TLS: {e}"),
            TlsError::Closed => {
                f.write_str("TLS: the server closed the connection during the handshake")
            }
        }
    }
}

impl<E: core::fmt::Debug> core::error::Error for TlsError<E> {}
