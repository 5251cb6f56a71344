//! The errors of the parsers and of argument checks: a leaf module that
//! depends on nothing else of the crate, so the reply reader and the
//! parsers use it without depending on the session's error type.

use core::fmt;

/// What was wrong with bytes the server sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum ProtocolError {
    /// A reply line did not start with a three-digit code from 100 to 599.
    BadReplyCode,
    /// A reply line did not fit in the reply buffer.
    LineTooLong,
    /// A 227 reply without `h1,h2,h3,h4,p1,p2`.
    BadPasvReply,
    /// A 229 reply without `(|||port|)`.
    BadEpsvReply,
    /// A 257 reply without a quoted path.
    BadPathReply,
    /// A 213 SIZE reply that is not a number.
    BadSizeReply,
    /// A 213 MDTM reply that is not `YYYYMMDDHHMMSS[.sss]`.
    BadTimestamp,
    /// A listing line that could not be parsed.
    BadListing,
    /// The server sent bytes after its reply to AUTH TLS, before the TLS
    /// handshake: they could have been injected and are refused.
    DataBeforeTls,
    /// An earlier protocol error left the control connection out of step;
    /// the session cannot be used any more.
    OutOfSync,
}

impl fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProtocolError::BadReplyCode => "reply does not start with a 3-digit code",
            ProtocolError::LineTooLong => "reply line longer than the reply buffer",
            ProtocolError::BadPasvReply => "malformed 227 (PASV) reply",
            ProtocolError::BadEpsvReply => "malformed 229 (EPSV) reply",
            ProtocolError::BadPathReply => "257 reply without a quoted path",
            ProtocolError::BadSizeReply => "malformed 213 (SIZE) reply",
            ProtocolError::BadTimestamp => "malformed 213 (MDTM) timestamp",
            ProtocolError::BadListing => "malformed listing line",
            ProtocolError::DataBeforeTls => "unexpected bytes after the AUTH TLS reply",
            ProtocolError::OutOfSync => {
                "control connection out of step after an earlier protocol error"
            }
        })
    }
}

/// An argument the client refuses before anything is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum InvalidArgument {
    /// A command or argument holding CR, LF or NUL, which would let it
    /// smuggle a second command onto the control connection.
    ControlCharacter,
    /// An empty command.
    EmptyCommand,
    /// Passive mode is off and no active-mode connection could be made,
    /// or the address family does not allow the requested mode (PASV over
    /// IPv6).
    AddressFamily,
}

impl fmt::Display for InvalidArgument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InvalidArgument::ControlCharacter => "argument contains CR, LF or NUL",
            InvalidArgument::EmptyCommand => "empty command",
            InvalidArgument::AddressFamily => "PASV/PORT cannot carry an IPv6 address",
        })
    }
}
