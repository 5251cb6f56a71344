//! The data connection: how the session opens the second TCP connection of
//! each transfer. Adapters implement [`DataConnector`] for their network
//! stack (std sockets, smoltcp, TLS-wrapped streams).

use core::net::SocketAddr;

use embedded_io::{ErrorType, Read, Write};

/// Opens data connections for the session.
///
/// Passive mode calls [`DataConnector::connect`] with the address the
/// server gave (or the control peer with the server's port). Active mode
/// calls [`DataConnector::listen`], sends PORT/EPRT with the returned
/// address, sends the transfer command, then calls
/// [`DataConnector::accept`]. At the end of a transfer the session hands the
/// stream back to [`DataConnector::close`], which must shut it down cleanly
/// (TCP FIN; a TLS close_notify) so an upload's last bytes arrive.
///
/// ```
/// use core::net::SocketAddr;
/// use embedded_io::{ErrorKind, ErrorType, Read, Write};
/// use ftp_core::DataConnector;
///
/// /// A data stream that serves fixed bytes (a real one wraps a socket).
/// struct Canned(&'static [u8]);
/// impl ErrorType for Canned {
///     type Error = ErrorKind;
/// }
/// impl Read for Canned {
///     fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
///         let n = buf.len().min(self.0.len());
///         buf[..n].copy_from_slice(&self.0[..n]);
///         self.0 = &self.0[n..];
///         Ok(n)
///     }
/// }
/// impl Write for Canned {
///     fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
///         Ok(buf.len())
///     }
///     fn flush(&mut self) -> Result<(), ErrorKind> {
///         Ok(())
///     }
/// }
///
/// /// A connector for a device that only does passive mode.
/// struct PassiveOnly;
/// impl DataConnector for PassiveOnly {
///     type Error = ErrorKind;
///     type Stream = Canned;
///     type Listener = ();
///     fn connect(&mut self, _addr: SocketAddr) -> Result<Canned, ErrorKind> {
///         Ok(Canned(b"file contents"))
///     }
///     fn listen(&mut self) -> Result<((), SocketAddr), ErrorKind> {
///         Err(ErrorKind::Unsupported)
///     }
///     fn accept(&mut self, _listener: ()) -> Result<(Canned, SocketAddr), ErrorKind> {
///         Err(ErrorKind::Unsupported)
///     }
/// }
///
/// let mut stream = PassiveOnly.connect("127.0.0.1:2121".parse().unwrap()).unwrap();
/// let mut buf = [0u8; 32];
/// assert_eq!(stream.read(&mut buf), Ok(13));
/// ```
pub trait DataConnector {
    /// The error of connecting and of the streams.
    type Error: embedded_io::Error;
    /// A connected data stream. Reading 0 bytes means the server closed it.
    type Stream: Read + Write + ErrorType<Error = Self::Error>;
    /// A listening socket of active mode.
    type Listener;

    /// Passive mode: connects to `addr`.
    fn connect(&mut self, addr: SocketAddr) -> Result<Self::Stream, Self::Error>;

    /// Active mode: listens on the control connection's local address (any
    /// free port) and returns the listener and the address to announce.
    /// A connector without active mode returns an error.
    fn listen(&mut self) -> Result<(Self::Listener, SocketAddr), Self::Error>;

    /// Active mode: waits for the server's connection and returns it with
    /// the address it came from. Nothing may be read or written on it yet
    /// (no TLS handshake either): the session first checks that it comes
    /// from the server, and closes it unread if not.
    fn accept(
        &mut self,
        listener: Self::Listener,
    ) -> Result<(Self::Stream, SocketAddr), Self::Error>;

    /// Ends a transfer: flushes and shuts the stream down cleanly. The
    /// default drops it.
    fn close(&mut self, stream: Self::Stream) -> Result<(), Self::Error> {
        drop(stream);
        Ok(())
    }

    /// Gives up a stream at once, without a clean close (the peer went
    /// silent): a TCP reset where the stack can send one. The default
    /// drops it.
    fn abort(&mut self, stream: Self::Stream) {
        drop(stream);
    }
}
