//! The session layer: [`crate::Ftp`] with ftplib's methods and the
//! transfers under them (`client.rs`, `transfer.rs`, written once and
//! compiled for each runtime in `crate::blocking` and `crate::tokio`),
//! and what a session learns of its server.
//!
//! Invariant: every command goes through the core session, so a reply
//! is never read as another command's; nothing here touches local files.

use crate::Error;

/// How a server sets a file's modification time, as [`crate::Ftp::set_mtime`]
/// found it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeCommand {
    /// `MFMT YYYYMMDDHHMMSS path` (the IETF draft; FEAT lists it).
    Mfmt,
    /// `MDTM YYYYMMDDHHMMSS path`, the two-argument MDTM of vsftpd
    /// (`mdtm_write`) and IIS.
    Mdtm,
    /// `SITE UTIME YYYYMMDDHHMMSS path` (ProFTPD's mod_site_misc,
    /// Pure-FTPd).
    SiteUtime,
}

impl TimeCommand {
    /// The command line that sets `path`'s time to `when` (UTC).
    pub fn command(self, path: &str, when: ftp_core::Timestamp) -> String {
        match self {
            TimeCommand::Mfmt => format!("MFMT {when} {path}"),
            TimeCommand::Mdtm => format!("MDTM {when} {path}"),
            TimeCommand::SiteUtime => format!("SITE UTIME {when} {path}"),
        }
    }
}

/// How [`crate::Ftp::dir_with`] asks for a directory listing.
///
/// ```
/// use ftp_std::{Listing, ListVia};
/// let how = Listing::default().via(ListVia::Stat).hidden(true);
/// assert_eq!((how.via, how.hidden), (ListVia::Stat, true));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Listing {
    /// Over a data connection (LIST) or the control connection (STAT).
    pub via: ListVia,
    /// Hidden files too (`LIST -a`, `STAT -a`): servers built on `ls`
    /// leave out names starting with a dot otherwise.
    pub hidden: bool,
}

impl Listing {
    /// Sets [`Listing::via`].
    pub fn via(mut self, via: ListVia) -> Self {
        self.via = via;
        self
    }

    /// Sets [`Listing::hidden`].
    pub fn hidden(mut self, hidden: bool) -> Self {
        self.hidden = hidden;
        self
    }
}

/// Which connection carries a listing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ListVia {
    /// LIST over a data connection, as ftplib's `dir`.
    #[default]
    Data,
    /// `STAT path` over the control connection: no data connection (a
    /// firewall that blocks them, a NAT that breaks PASV, no second TLS
    /// handshake), the same lines as LIST on vsftpd, ProFTPD, Pure-FTPd
    /// and pyftpdlib (vsftpd and ProFTPD add `.`, `..` and hidden files).
    Stat,
}

/// True for a path no server takes for something else as the argument
/// of LIST or STAT: no space (Pure-FTPd splits there), no character a
/// server could take for a pattern or a quote, no part starting with `-`
/// (an option to `ls`-based servers). Any other is listed from inside
/// (CWD, then a bare LIST).
pub(crate) fn plain_path(path: &str) -> bool {
    !path
        .chars()
        .any(|c| c.is_whitespace() || c.is_control() || "*?[]{}~\\\"'`$".contains(c))
        && !path.split('/').any(|part| part.starts_with('-'))
}

/// What a session knows of setting times.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum TimeSupport {
    /// Not tried yet.
    #[default]
    Unknown,
    /// This command works.
    Uses(TimeCommand),
    /// None of them does (said once, at debug level warning).
    Unsupported,
}

/// A size when the server gave one; `None` when it gave none (another
/// 2xx than 213) or refused (a reply error, a 213 without a number); the
/// error when the session itself failed.
pub(crate) fn refused_is_none(r: Result<Option<u64>, Error>) -> Result<Option<u64>, Error> {
    match r {
        Ok(v) => Ok(v),
        Err(Error::Temporary(_) | Error::Permanent(_) | Error::Unexpected(_)) => Ok(None),
        Err(Error::Protocol(ftp_core::ProtocolError::BadSizeReply)) => Ok(None),
        Err(e) => Err(e),
    }
}
