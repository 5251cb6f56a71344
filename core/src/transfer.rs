//! What both twins of the session share that does no I/O: the transfer
//! type, the buffer sizes, and when a transfer is complete (the one rule
//! every path follows, both twins and an adapter's own fast path such as
//! ftp-std's splice into a file), as a pure function.

use crate::error::Error;

/// The reply buffer's default size: a reply line longer than this is a
/// protocol error. 512 bytes hold every reply line of common servers and
/// paths of a few hundred bytes; desktop adapters choose more.
pub const DEFAULT_REPLY_BUFFER: usize = 512;

/// How much of the welcome message `Ftp::getwelcome` keeps.
pub const WELCOME_CAPACITY: usize = 256;

/// The representation type of transfers (TYPE).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum TransferType {
    /// `TYPE A`: text, lines end in CRLF on the wire.
    Ascii,
    /// `TYPE I`: bytes as they are.
    Binary,
}

/// The outcome of a transfer from its parts, in the order that decides:
/// the data connection's failure (or the callback's) first, then its
/// close, then the server's final reply (which must be 2xx; it is read
/// even after a failure so the session stays in step), then the size: a
/// download from offset 0 with fewer bytes than its 150 reply announced is
/// [`Error::TransferIncomplete`]. Complete means all four are right: the
/// data reached EOF, the stream closed cleanly, the final reply is 2xx,
/// and the announced size arrived.
///
/// ```
/// use ftp_core::{Error, transfer::complete};
/// let ok: Result<(), Error<()>> = Ok(());
/// assert_eq!(complete(Ok(()), Ok(()), Ok::<_, Error<()>>("226"), Some(10), false, 10).unwrap(), "226");
/// let short = complete(Ok(()), Ok(()), Ok::<_, Error<()>>("226"), Some(10), false, 4);
/// assert!(matches!(short, Err(Error::TransferIncomplete { expected: 10, received: 4 })));
/// // A resumed download: the 150's size is the whole file's, not checked.
/// assert!(complete(ok, Ok(()), Ok::<_, Error<()>>("226"), Some(10), true, 4).is_ok());
/// ```
#[inline(always)]
pub fn complete<R, E, C>(
    data: Result<(), Error<E, C>>,
    closed: Result<(), E>,
    reply: Result<R, Error<E, C>>,
    announced: Option<u64>,
    resumed: bool,
    received: u64,
) -> Result<R, Error<E, C>> {
    data?;
    closed.map_err(Error::Io)?;
    let reply = reply?;
    match announced {
        Some(expected) if !resumed && received < expected => {
            Err(Error::TransferIncomplete { expected, received })
        }
        _ => Ok(reply),
    }
}

/// What a blocking data connector's [`crate::DataConnector::accept_or_control`]
/// ended with: the server's connection, or bytes on the control
/// connection first (the listener is given back).
#[derive(Debug)]
pub enum Accepted<S, L> {
    /// The server connected: the stream and the address it came from.
    Connection(S, core::net::SocketAddr),
    /// The control connection has bytes to read (a reply: the server may
    /// refuse with 425 instead of connecting); nothing was accepted.
    ControlReady(L),
}

/// How active mode's wait for the server's data connection ended, for
/// the session (both twins).
pub(crate) enum Watched<S, E> {
    /// The accept ended, with a connection or an error.
    Accepted(Result<(S, core::net::SocketAddr), E>),
    /// A reply that refuses the transfer (it starts with 4 or 5), or the
    /// control connection's end, came first: the session reads it.
    Reply,
    /// Reading the control connection failed.
    ControlError(E),
}

/// Whether bytes that came on the control connection while active mode
/// waited for the data connection begin a refusal (4xx, 5xx): then the
/// wait ends; anything else (a 2xx that came early, with the connection
/// waiting in the backlog) is left for the transfer's end to read.
pub(crate) fn refusal_begins(pending: &[u8]) -> bool {
    matches!(pending.first(), Some(b'4' | b'5'))
}

#[cfg(test)]
mod tests {
    use super::*;

    type E = Error<u8, char>;

    #[test]
    fn the_first_failure_decides() {
        let ok = || Ok::<(), E>(());
        let reply = || Ok::<&str, E>("226 done");
        assert!(matches!(
            complete(ok(), Ok(()), reply(), None, false, 0),
            Ok("226 done")
        ));
        // The callback failed: its error, though the close and reply did too.
        let r = complete(
            Err(E::Callback('x')),
            Err(1),
            Err::<(), E>(E::SessionClosed),
            Some(9),
            false,
            0,
        );
        assert!(matches!(r, Err(Error::Callback('x'))));
        let r = complete(ok(), Err(2), Err::<(), E>(E::SessionClosed), None, false, 0);
        assert!(matches!(r, Err(Error::Io(2))));
        let r = complete(
            ok(),
            Ok(()),
            Err::<&str, E>(E::SessionClosed),
            Some(9),
            false,
            0,
        );
        assert!(matches!(r, Err(Error::SessionClosed)));
        let r = complete(ok(), Ok(()), reply(), Some(9), false, 8);
        assert!(matches!(
            r,
            Err(Error::TransferIncomplete {
                expected: 9,
                received: 8
            })
        ));
        assert!(complete(ok(), Ok(()), reply(), Some(9), false, 9).is_ok());
        assert!(complete(ok(), Ok(()), reply(), Some(9), true, 3).is_ok());
    }
}
