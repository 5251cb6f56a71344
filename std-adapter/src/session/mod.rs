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

/// One entry of a LIST (or STAT) listing, parsed in any of
/// [`ftp_core::list::FORMATS`] (Unix, DOS, EPLF, VMS, OS/400, z/OS): what
/// [`crate::Ftp::list`] gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    /// The name, decoded with the session's encoding (given back
    /// unchanged, it names the same file).
    pub name: String,
    /// What it is (a z/OS partitioned data set and an OS/400 library or
    /// database file are directories: they can be entered).
    pub kind: ftp_core::list::ListKind,
    /// The size in bytes, where the listing gives one (not for z/OS data
    /// sets and members, whose columns count tracks and lines).
    pub size: Option<u64>,
    /// The time column, in the server's time zone; the year is `None`
    /// where the listing leaves it out (Unix, recent files).
    pub time: Option<ftp_core::list::ListTime>,
    /// A symbolic link's target.
    pub link_target: Option<String>,
    /// The owner, where the listing shows one.
    pub owner: Option<String>,
    /// The whole line.
    pub line: String,
}

impl Listed {
    /// The time column as text, `YYYY-MM-DD HH:MM` (the year a Unix
    /// listing leaves out is this year's, or last year's when this year's
    /// would be more than two days ahead of `now`, Unix seconds) or
    /// `YYYY-MM-DD` for a day alone; in the server's time zone.
    ///
    /// ```
    /// let e = ftp_std::Listed {
    ///     name: "README".into(),
    ///     kind: ftp_std::ftp_core::list::ListKind::File,
    ///     size: Some(1063),
    ///     time: Some(ftp_std::ftp_core::list::ListTime { year: None, month: 6, day: 15, time: Some((10, 18)) }),
    ///     link_target: None,
    ///     owner: None,
    ///     line: String::new(),
    /// };
    /// // 2025-07-01: June 15 is this year's.
    /// assert_eq!(e.time_text(1_751_328_000).as_deref(), Some("2025-06-15 10:18"));
    /// ```
    pub fn time_text(&self, now: i64) -> Option<String> {
        let t = self.time.as_ref()?;
        match listed_seconds(t, now) {
            Some(s) => {
                let s = ftp_core::Timestamp::from_unix_seconds(s)?;
                Some(format!(
                    "{:04}-{:02}-{:02} {:02}:{:02}",
                    s.year, s.month, s.day, s.hour, s.minute
                ))
            }
            None => Some(format!("{:04}-{:02}-{:02}", t.year?, t.month, t.day)),
        }
    }
}

/// A LIST time as Unix seconds, read as if it were UTC (the server's zone
/// is learned later: `bulk::mirror::scan::zone_offset`). `None` without a time of day (old
/// files show only the year). A date without a year is this year's, or
/// last year's when that would put it more than two days ahead of `now`.
pub(crate) fn listed_seconds(t: &ftp_core::list::ListTime, now: i64) -> Option<i64> {
    let (hour, minute) = t.time?;
    let at = |year: u16| {
        ftp_core::Timestamp {
            year,
            month: t.month,
            day: t.day,
            hour,
            minute,
            second: 0,
            nanos: 0,
        }
        .unix_seconds()
    };
    match t.year {
        Some(year) => Some(at(year)),
        None => {
            let this = ftp_core::Timestamp::from_unix_seconds(now)?.year;
            let guess = at(this);
            Some(if guess > now + 2 * 86_400 {
                at(this.checked_sub(1)?)
            } else {
                guess
            })
        }
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
