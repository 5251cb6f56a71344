//! [`Error`]: every error of ftp-std, grouped by whose it is, so callers
//! match on causes instead of parsing messages: the server's replies (as
//! the core classifies them, ftplib's error classes), the network, TLS
//! (with the rustls cause), a URL, `~/.netrc`, a local file (with its
//! path), and the caller's own reader or writer.

use std::fmt;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;

pub use ftp_core::{InvalidArgument, ProtocolError, ReplyError};

/// Every error of ftp-std.
///
/// ```
/// use ftp_std::{Error, Url};
/// let e = Url::parse("http://example.com/").unwrap_err();
/// assert!(matches!(e, Error::Url(_)), "{e}");
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A 4xx reply: try again later (ftplib's `error_temp`).
    Temporary(ReplyError),
    /// A 5xx reply: refused (ftplib's `error_perm`).
    Permanent(ReplyError),
    /// A reply the command does not allow (ftplib's `error_reply`).
    Unexpected(ReplyError),
    /// The server sent something that is not FTP (ftplib's `error_proto`).
    Protocol(ProtocolError),
    /// An argument refused before anything was sent (CR, LF or NUL).
    InvalidArgument(InvalidArgument),
    /// The network: a connect, read or write failed or timed out.
    Io(io::Error),
    /// TLS: the handshake or a certificate failed; the rustls error is in
    /// [`TlsError::rustls_error`].
    Tls(TlsError),
    /// A URL that cannot be used, and why.
    Url(String),
    /// `~/.netrc` (or `$NETRC`) could not be read or parsed.
    Netrc(io::Error),
    /// A local file or directory: which, and what happened.
    Local {
        /// The path.
        path: PathBuf,
        /// What the file system said.
        source: io::Error,
    },
    /// The reader or writer the caller gave a transfer failed.
    Callback(io::Error),
    /// The server closed the control connection.
    ConnectionClosed,
    /// The session was closed by this side (after `quit`).
    SessionClosed,
    /// A buffer too small for a reply line or a listing line.
    BufferTooSmall,
    /// The data connection ended before the size the server announced.
    TransferIncomplete {
        /// Bytes announced.
        expected: u64,
        /// Bytes that arrived.
        received: u64,
    },
    /// A verified transfer whose checksums differ: after a download no
    /// file is under the final name; after an upload the remote file is
    /// left for the caller to inspect.
    ChecksumMismatch {
        /// The remote path.
        path: String,
        /// The local file's checksum.
        local: crate::Checksum,
        /// The server's.
        remote: crate::Checksum,
    },
    /// A transfer that must be verified (`Verification::Always`) and a
    /// server that gives no checksum (no HASH, XSHA256, XSHA1, XMD5 or
    /// XCRC, or no checksum in its reply).
    NoChecksum {
        /// The remote path.
        path: String,
    },
    /// An active-mode data connection came from another address than the
    /// server's and was refused.
    ForeignDataPeer {
        /// Where it came from.
        from: SocketAddr,
        /// The server's address.
        server: IpAddr,
    },
    /// A server-to-server copy ([`crate::fxp`]) that one of the servers
    /// would not make: which step, and the server's error (its reply
    /// stays reachable through [`Error::reply`] and [`Error::code`]).
    Fxp {
        /// What was refused, and what usually refuses it.
        what: String,
        /// The server's error.
        cause: Box<Error>,
    },
    /// A name (or command) holding a character the session's encoding
    /// cannot hold (`Ж` under latin-1): nothing was sent.
    Unencodable {
        /// The text, escapes shown as `\xNN`.
        text: String,
        /// The encoding's name.
        encoding: &'static str,
    },
}

impl Error {
    /// The server's reply of a reply error (temporary, permanent,
    /// unexpected).
    pub fn reply(&self) -> Option<&ReplyError> {
        match self {
            Error::Temporary(r) | Error::Permanent(r) | Error::Unexpected(r) => Some(r),
            Error::Fxp { cause, .. } => cause.reply(),
            _ => None,
        }
    }

    /// The reply code of a reply error.
    pub fn code(&self) -> Option<u16> {
        self.reply().map(|r| r.code().get())
    }

    /// A local file's error, naming the file (and, under WASI, where
    /// files can be at all).
    pub fn local(path: impl Into<PathBuf>, source: io::Error) -> Error {
        let source = if cfg!(target_os = "wasi") && source.kind() == io::ErrorKind::NotFound {
            io::Error::new(
                source.kind(),
                format!("{source} (under WASI only preopened directories are reachable)"),
            )
        } else {
            source
        };
        Error::Local {
            path: path.into(),
            source,
        }
    }

    /// True when the session cannot go on after this error: the network
    /// failed, the server closed or said `421`, the replies are out of
    /// step, or a transfer ended early. A fresh connection is the way on.
    ///
    /// ```
    /// let e = ftp_std::Error::ConnectionClosed;
    /// assert!(e.connection_lost() && e.worth_retrying());
    /// ```
    pub fn connection_lost(&self) -> bool {
        match self {
            Error::Io(_)
            | Error::ConnectionClosed
            | Error::SessionClosed
            | Error::Protocol(_)
            | Error::TransferIncomplete { .. } => true,
            Error::Temporary(r) => r.code().get() == 421,
            _ => false,
        }
    }

    /// True when the same operation may work if tried again (on a fresh
    /// connection when [`Error::connection_lost`]): a lost connection or
    /// a 4xx, unless the target is full.
    pub fn worth_retrying(&self) -> bool {
        (self.connection_lost() || matches!(self, Error::Temporary(_))) && !self.storage_full()
    }

    /// True for a data connection that could not be had or kept: `425`,
    /// `426`, or a socket or TLS error (on the data connection when the
    /// session is still open afterwards: [`crate::Ftp::is_open`]). A
    /// listing can then go over the control connection
    /// ([`crate::ListVia::Stat`]).
    ///
    /// ```
    /// let e = ftp_std::Error::Io(std::io::ErrorKind::ConnectionRefused.into());
    /// assert!(e.no_data_connection());
    /// ```
    pub fn no_data_connection(&self) -> bool {
        match self {
            Error::Io(_) | Error::Tls(_) => true,
            Error::Temporary(r) => matches!(r.code().get(), 425 | 426),
            _ => false,
        }
    }

    /// True for a refusal to connect or log in because the server caps
    /// connections per client (`421 Too many connections`; some servers
    /// say it with 530 at login): another connection is no use while the
    /// others are open.
    pub fn too_many_connections(&self) -> bool {
        match self {
            Error::Temporary(r) if r.code().get() == 421 => true,
            Error::Temporary(r) | Error::Permanent(r) => {
                let text = String::from_utf8_lossy(r.text()).to_ascii_lowercase();
                [
                    "too many",
                    "maximum number",
                    "connection limit",
                    "try again later",
                ]
                .iter()
                .any(|p| text.contains(p))
            }
            _ => false,
        }
    }

    /// True when the target has no room: the server's storage (452, 552)
    /// or the local disk. Every later file would fail the same way.
    pub fn storage_full(&self) -> bool {
        match self {
            Error::Temporary(r) => r.code().get() == 452,
            Error::Permanent(r) => r.code().get() == 552,
            // The local disk: a download's file (named), or another write.
            Error::Io(io) | Error::Callback(io) | Error::Local { source: io, .. } => matches!(
                io.kind(),
                io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded
            ),
            _ => false,
        }
    }

    /// True for the replies of a server that does not do REST.
    pub(crate) fn rest_refused(&self) -> bool {
        matches!(self, Error::Permanent(r) if matches!(r.code().get(), 500..=504))
    }

    /// The core's error of a transfer whose callback reads or writes
    /// `path`: the callback's own failure is that file's error (a
    /// cancelled transfer's stays [`Error::Callback`]: no file failed).
    pub(crate) fn of_file(
        path: &std::path::Path,
    ) -> impl Fn(ftp_core::Error<io::Error>) -> Error + '_ {
        move |e| match e {
            ftp_core::Error::Callback(io) if io.kind() == io::ErrorKind::Interrupted => {
                Error::Callback(io)
            }
            ftp_core::Error::Callback(io) => Error::local(path, io),
            other => Error::from(other),
        }
    }
}

/// TLS failures travel inside `io::Error`s through the streams; they come
/// out as [`Error::Tls`].
fn network(e: io::Error) -> Error {
    let is_tls = e
        .get_ref()
        .is_some_and(|inner| inner.is::<TlsError>() || inner.is::<rustls::Error>());
    if !is_tls {
        return Error::Io(e);
    }
    match e.into_inner().map(|inner| inner.downcast::<TlsError>()) {
        Some(Ok(tls)) => Error::Tls(*tls),
        Some(Err(other)) => Error::Tls(TlsError::during_transfer(io::Error::other(other))),
        None => Error::Io(io::Error::other("TLS error")),
    }
}

impl From<io::Error> for Error {
    fn from(e: io::Error) -> Self {
        network(e)
    }
}

impl From<ftp_core::Error<io::Error>> for Error {
    fn from(e: ftp_core::Error<io::Error>) -> Self {
        use ftp_core::Error as E;
        match e {
            E::Io(e) => network(e),
            E::Callback(e) => Error::Callback(e),
            E::ConnectionClosed => Error::ConnectionClosed,
            E::Temporary(r) => Error::Temporary(r),
            E::Permanent(r) => Error::Permanent(r),
            E::Unexpected(r) => Error::Unexpected(r),
            E::Protocol(p) => Error::Protocol(p),
            E::InvalidArgument(a) => Error::InvalidArgument(a),
            E::BufferTooSmall => Error::BufferTooSmall,
            E::TransferIncomplete { expected, received } => {
                Error::TransferIncomplete { expected, received }
            }
            E::SessionClosed => Error::SessionClosed,
            E::ForeignDataPeer { from, server } => Error::ForeignDataPeer { from, server },
            // The core's error is non_exhaustive: a cause added there.
            other => Error::Io(io::Error::other(other.to_string())),
        }
    }
}

impl From<ProtocolError> for Error {
    fn from(e: ProtocolError) -> Self {
        Error::Protocol(e)
    }
}

impl From<InvalidArgument> for Error {
    fn from(e: InvalidArgument) -> Self {
        Error::InvalidArgument(e)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Temporary(r) | Error::Permanent(r) | Error::Unexpected(r) => write!(f, "{r}"),
            Error::Protocol(p) => write!(f, "protocol error: {p}"),
            Error::InvalidArgument(a) => write!(f, "invalid argument: {a}"),
            Error::Io(e) => write!(f, "I/O error: {e}"),
            Error::Tls(e) => write!(f, "{e}"),
            Error::Url(why) => write!(f, "invalid FTP URL: {why}"),
            Error::Netrc(e) => write!(f, "netrc: {e}"),
            Error::Local { path, source } => write!(f, "{}: {source}", path.display()),
            Error::Callback(e) => write!(f, "{e}"),
            Error::ConnectionClosed => f.write_str("connection closed by the server"),
            Error::SessionClosed => f.write_str("session closed"),
            Error::BufferTooSmall => f.write_str("buffer too small"),
            Error::TransferIncomplete { expected, received } => write!(
                f,
                "transfer incomplete: {received} of {expected} bytes received"
            ),
            Error::ChecksumMismatch {
                path,
                local,
                remote,
            } => write!(
                f,
                "{path}: the checksums differ: the local file's {local}, the server's {remote}"
            ),
            Error::NoChecksum { path } => write!(
                f,
                "{path}: the server gives no checksum (HASH, XSHA256, XSHA1, XMD5, XCRC) to verify with"
            ),
            Error::ForeignDataPeer { from, server } => write!(
                f,
                "data connection from {from} refused: it is not the server ({server})"
            ),
            Error::Fxp { what, cause } => write!(f, "server-to-server copy: {what}: {cause}"),
            Error::Unencodable { text, encoding } => write!(
                f,
                "{:?} cannot be written in {encoding}, the session's encoding",
                crate::encoding::shown(text)
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(e) | Error::Netrc(e) | Error::Callback(e) => Some(e),
            Error::Local { source, .. } => Some(source),
            Error::Tls(e) => Some(e),
            _ => None,
        }
    }
}

/// A TLS handshake that failed, inside the `io::Error` of
/// [`crate::Error::Io`]: which host, why, and what to do about it.
#[derive(Debug)]
pub struct TlsError {
    host: String,
    source: io::Error,
    hint: &'static str,
}

impl TlsError {
    /// A handshake with `host` that failed.
    pub(crate) fn handshake(host: String, source: io::Error, hint: &'static str) -> Self {
        TlsError { host, source, hint }
    }

    /// A TLS failure after the handshake (a data stream's record that does
    /// not decrypt, an alert).
    pub(crate) fn during_transfer(source: io::Error) -> Self {
        use rustls::AlertDescription as A;
        // TLS 1.3 clients finish the handshake before the server has
        // judged their certificate: its verdict comes as an alert on the
        // first read.
        let hint = match source
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        {
            Some(rustls::Error::AlertReceived(A::CertificateRequired)) => {
                " (the server requires a client certificate: Options::client_cert, --cert/--key)"
            }
            Some(rustls::Error::AlertReceived(
                A::BadCertificate
                | A::UnknownCA
                | A::CertificateUnknown
                | A::UnsupportedCertificate
                | A::CertificateExpired
                | A::AccessDenied,
            )) => " (the server refused the client certificate)",
            _ => "",
        };
        TlsError {
            host: String::new(),
            source,
            hint,
        }
    }

    /// The rustls error, when the failure was TLS's (not the socket's).
    pub fn rustls_error(&self) -> Option<&rustls::Error> {
        self.source
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    }
}

impl std::fmt::Display for TlsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.is_empty() {
            return write!(f, "TLS error: {}{}", self.source, self.hint);
        }
        write!(
            f,
            "TLS handshake with {} failed: {}{}",
            self.host, self.source, self.hint
        )
    }
}

impl std::error::Error for TlsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

/// A reply error of `code` and `text`, for the unit tests.
#[cfg(test)]
pub(crate) fn reply(code: u16, text: &str) -> ReplyError {
    let code = ftp_core::Code::new(code).expect("a reply code");
    ReplyError::from_reply(&ftp_core::Reply::new(code, text.as_bytes(), false))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_limit_is_told_from_other_refusals() {
        assert!(Error::Temporary(reply(421, "421 Too many connections")).too_many_connections());
        assert!(
            Error::Permanent(reply(
                530,
                "530 Sorry, the maximum number of clients (2) from your host are already connected."
            ))
            .too_many_connections()
        );
        assert!(!Error::Permanent(reply(530, "530 Login incorrect.")).too_many_connections());
        assert!(!Error::Io(std::io::Error::other("reset")).too_many_connections());
    }

    #[test]
    fn a_full_target_stops_and_is_not_retried() {
        let full = [
            Error::Temporary(reply(452, "452 Insufficient storage space")),
            Error::Permanent(reply(552, "552 Exceeded storage allocation")),
            Error::Callback(std::io::Error::from(std::io::ErrorKind::StorageFull)),
            Error::local(
                "/t/f",
                std::io::Error::from(std::io::ErrorKind::QuotaExceeded),
            ),
        ];
        for e in &full {
            assert!(e.storage_full() && !e.worth_retrying(), "{e:?}");
        }
        let passing = Error::Temporary(reply(450, "450 busy"));
        assert!(!passing.storage_full() && passing.worth_retrying());
    }
}
