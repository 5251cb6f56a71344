//! The data connection: how the session opens the second TCP connection of
//! each transfer. Adapters implement [`DataConnector`] for their network
//! stack (std sockets, smoltcp, embassy-net, TLS-wrapped streams). Written
//! once for both twins, like the session.

use core::net::SocketAddr;

use embedded_io::ErrorType;

use super::bisync;
use super::io::{Read, Write};

/// Opens data connections for the session.
///
/// Passive mode calls [`DataConnector::connect`] with the address the
/// server gave (or the control peer with the server's port). Active mode
/// calls [`DataConnector::listen`], sends PORT/EPRT with the returned
/// address, sends the transfer command, then calls
/// [`DataConnector::accept`]. At the end of a transfer the session hands the
/// stream back to [`DataConnector::close`], which must shut it down cleanly
/// (TCP FIN; a TLS close_notify) so an upload's last bytes arrive.
#[bisync]
#[allow(async_fn_in_trait)]
pub trait DataConnector {
    /// The error of connecting and of the streams.
    type Error: embedded_io::Error;
    /// A connected data stream. Reading 0 bytes means the server closed it.
    type Stream: Read + Write + ErrorType<Error = Self::Error>;
    /// A listening socket of active mode.
    type Listener;

    /// Passive mode: connects to `addr`.
    async fn connect(&mut self, addr: SocketAddr) -> Result<Self::Stream, Self::Error>;

    /// Active mode: listens on the control connection's local address (any
    /// free port) and returns the listener and the address to announce.
    /// A connector without active mode returns an error.
    async fn listen(&mut self) -> Result<(Self::Listener, SocketAddr), Self::Error>;

    /// Active mode: waits for the server's connection and returns it with
    /// the address it came from. Nothing may be read or written on it yet
    /// (no TLS handshake either): the session first checks that it comes
    /// from the server, and closes it unread if not.
    async fn accept(
        &mut self,
        listener: Self::Listener,
    ) -> Result<(Self::Stream, SocketAddr), Self::Error>;

    /// Blocking twin only: active mode's wait for the server's connection
    /// ([`DataConnector::accept`]), ended early with
    /// [`crate::Accepted::ControlReady`] when `control` has bytes to read:
    /// a server that refuses the transfer with a reply (425 after its
    /// 150) is heard at once, not when the accept times out. The default
    /// does not watch (it calls `accept`); a connector that waits in
    /// steps checks `control.read_ready()` between them. (The async twin
    /// needs none of this: it waits for both at once.)
    #[bisync(blocking)]
    fn accept_or_control<R: embedded_io::ReadReady>(
        &mut self,
        listener: Self::Listener,
        control: &mut R,
    ) -> Result<crate::Accepted<Self::Stream, Self::Listener>, Self::Error> {
        let _ = control;
        let (stream, from) = self.accept(listener)?;
        Ok(crate::Accepted::Connection(stream, from))
    }

    /// A passive address the server announced that the session does not
    /// use (a transfer's early passive command, and then no transfer):
    /// connects and closes at once, so a server that waits for that
    /// connection goes on. Nothing may be said on it: a TLS connector
    /// must not start a handshake there (a session ticket spent on it is
    /// missing from the next data connection, and a server that requires
    /// reuse refuses that one). The default connects and closes.
    async fn release(&mut self, addr: SocketAddr) -> Result<(), Self::Error> {
        let stream = self.connect(addr).await?;
        self.close(stream).await
    }

    /// Ends a transfer: flushes and shuts the stream down cleanly. The
    /// default drops it.
    async fn close(&mut self, stream: Self::Stream) -> Result<(), Self::Error> {
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
