//! One error type for the whole client, grouped by cause and generic over
//! the transport's error, mapped onto Python ftplib's exceptions. It
//! carries replies ([`ReplyError`]) and the parsers' errors
//! ([`crate::fault`]), which depend on nothing here.

use core::fmt;
use core::net::{IpAddr, SocketAddr};

pub use crate::fault::{InvalidArgument, ProtocolError};
use crate::reply::{Code, Reply};
use crate::text::Text;

/// How many bytes of a server's reply an error keeps. Longer replies are cut
/// (on a character boundary when the text is UTF-8) and marked truncated.
pub const REPLY_ERROR_TEXT: usize = 128;

/// A server reply carried by an error: its code and (the start of) its text.
///
/// The text is the reply as the server sent it, code included, as ftplib
/// shows it (`"550 Failed to open file."`).
#[derive(Clone, PartialEq, Eq)]
pub struct ReplyError {
    code: Code,
    text: heapless::Vec<u8, REPLY_ERROR_TEXT>,
    truncated: bool,
}

impl ReplyError {
    /// Copies what fits of `reply` into a new error.
    pub fn from_reply(reply: &Reply<'_>) -> Self {
        let src = reply.text();
        let mut take = src.len().min(REPLY_ERROR_TEXT);
        // Do not cut a UTF-8 sequence in half.
        if take < src.len() {
            while take > 0 && (src[take] & 0xC0) == 0x80 {
                take -= 1;
            }
        }
        let mut text = heapless::Vec::new();
        // Cannot fail: `take` is at most the capacity.
        let _ = text.extend_from_slice(&src[..take]);
        ReplyError {
            code: reply.code(),
            text,
            truncated: reply.is_truncated() || take < src.len(),
        }
    }

    /// The reply code (`550`).
    pub fn code(&self) -> Code {
        self.code
    }

    /// The reply text as sent, code included, lines joined by `\n`.
    pub fn text(&self) -> &[u8] {
        &self.text
    }

    /// True when the server's text was longer than the error keeps.
    pub fn is_truncated(&self) -> bool {
        self.truncated
    }
}

impl fmt::Display for ReplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", Text(&self.text))?;
        if self.truncated {
            f.write_str("...")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ReplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ReplyError({:?})", Text(&self.text))
    }
}

#[cfg(feature = "defmt")]
impl defmt::Format for ReplyError {
    fn format(&self, f: defmt::Formatter<'_>) {
        defmt::write!(f, "{}", Text(&self.text))
    }
}

/// Every error of the client, generic over the transport's error `E` and
/// the error `C` that the caller's transfer callbacks return (by default
/// the transport's), so a failed flash write or a full disk reaches the
/// caller as itself ([`Error::Callback`]), not disguised as a network
/// error.
///
/// | variant | ftplib |
/// |---|---|
/// | [`Error::Temporary`] (4xx) | `error_temp` |
/// | [`Error::Permanent`] (5xx) | `error_perm` |
/// | [`Error::Unexpected`] (a code the command does not allow) | `error_reply` |
/// | [`Error::Protocol`] (malformed reply) | `error_proto` |
/// | [`Error::Io`], [`Error::ConnectionClosed`] | `OSError`, `EOFError` |
/// | [`Error::Callback`] | the callback's own exception |
///
/// ```
/// use ftp_core::{Error, ProtocolError};
/// let e: Error<core::convert::Infallible> = Error::Protocol(ProtocolError::BadPasvReply);
/// assert_eq!(e.to_string(), "protocol error: malformed 227 (PASV) reply");
/// assert!(e.reply().is_none());
/// ```
#[derive(Debug)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum Error<E, C = E> {
    /// The control or data stream failed.
    Io(E),
    /// A transfer callback of the caller failed (it ends the transfer; the
    /// server's final reply is still read, so the session stays usable).
    Callback(C),
    /// The server closed the control connection.
    ConnectionClosed,
    /// A 4xx reply: try again later.
    Temporary(ReplyError),
    /// A 5xx reply: the request was refused.
    Permanent(ReplyError),
    /// A reply whose code the command does not allow (ftplib's error_reply).
    Unexpected(ReplyError),
    /// The server sent something that is not FTP.
    Protocol(ProtocolError),
    /// An argument was refused before anything was sent.
    InvalidArgument(InvalidArgument),
    /// A buffer given by the caller is too small (an empty transfer buffer,
    /// or a text line longer than it).
    BufferTooSmall,
    /// The data connection ended before the size the server announced.
    TransferIncomplete {
        /// Bytes the server announced in its 150 reply.
        expected: u64,
        /// Bytes received.
        received: u64,
    },
    /// The session was closed by this side (after `quit`); see
    /// [`Error::ConnectionClosed`] for a server that closed it.
    SessionClosed,
    /// An active-mode data connection came from another address than the
    /// server's: it was closed unread (see
    /// [`crate::Ftp::set_verify_data_peer`]).
    ForeignDataPeer {
        /// The address it came from.
        from: SocketAddr,
        /// The server's address (the control connection's peer).
        server: IpAddr,
    },
}

impl<E, C> Error<E, C> {
    /// The server's reply for reply errors (temporary, permanent, unexpected).
    pub fn reply(&self) -> Option<&ReplyError> {
        match self {
            Error::Temporary(r) | Error::Permanent(r) | Error::Unexpected(r) => Some(r),
            _ => None,
        }
    }

    /// The reply code for reply errors.
    pub fn code(&self) -> Option<u16> {
        self.reply().map(|r| r.code().get())
    }

    /// Maps the transport error.
    pub fn map_io<F, E2>(self, f: F) -> Error<E2, C>
    where
        F: FnOnce(E) -> E2,
    {
        match self {
            Error::Io(e) => Error::Io(f(e)),
            Error::Callback(c) => Error::Callback(c),
            Error::ConnectionClosed => Error::ConnectionClosed,
            Error::Temporary(r) => Error::Temporary(r),
            Error::Permanent(r) => Error::Permanent(r),
            Error::Unexpected(r) => Error::Unexpected(r),
            Error::Protocol(p) => Error::Protocol(p),
            Error::InvalidArgument(a) => Error::InvalidArgument(a),
            Error::BufferTooSmall => Error::BufferTooSmall,
            Error::TransferIncomplete { expected, received } => {
                Error::TransferIncomplete { expected, received }
            }
            Error::SessionClosed => Error::SessionClosed,
            Error::ForeignDataPeer { from, server } => Error::ForeignDataPeer { from, server },
        }
    }
}

impl<E, C> From<ProtocolError> for Error<E, C> {
    fn from(e: ProtocolError) -> Self {
        Error::Protocol(e)
    }
}

impl<E, C> From<InvalidArgument> for Error<E, C> {
    fn from(e: InvalidArgument) -> Self {
        Error::InvalidArgument(e)
    }
}

impl<E: fmt::Display, C: fmt::Display> fmt::Display for Error<E, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Io(e) => write!(f, "I/O error: {e}"),
            Error::Callback(c) => write!(f, "{c}"),
            Error::ConnectionClosed => f.write_str("connection closed by the server"),
            Error::Temporary(r) | Error::Permanent(r) | Error::Unexpected(r) => {
                write!(f, "{r}")
            }
            Error::Protocol(p) => write!(f, "protocol error: {p}"),
            Error::InvalidArgument(a) => write!(f, "invalid argument: {a}"),
            Error::BufferTooSmall => f.write_str("buffer too small"),
            Error::TransferIncomplete { expected, received } => write!(
                f,
                "transfer incomplete: {received} of {expected} bytes received"
            ),
            Error::SessionClosed => f.write_str("session closed"),
            Error::ForeignDataPeer { from, server } => write!(
                f,
                "data connection from {from} refused: it is not the server ({server})"
            ),
        }
    }
}

impl<E, C> core::error::Error for Error<E, C>
where
    E: fmt::Debug + fmt::Display,
    C: fmt::Debug + fmt::Display,
{
}
