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
