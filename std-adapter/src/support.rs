//! Small rules both twins of the session use: replies as owned text, the
//! network's and the local files' errors, argument checks.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::Path;
use std::time::SystemTime;

use crate::Error;

pub(crate) fn text(reply: ftp_core::Reply<'_>) -> crate::Reply {
    crate::Reply::from_core(reply)
}

/// The network's errors: a TLS failure inside comes out as [`Error::Tls`].
pub(crate) fn io_err<T>(r: io::Result<T>) -> Result<T, Error> {
    r.map_err(Error::from)
}

/// A local file's error, naming the file (and, under WASI, where files
/// can be at all).
pub(crate) fn local(path: &Path, e: io::Error) -> Error {
    let e = if cfg!(target_os = "wasi") && e.kind() == io::ErrorKind::NotFound {
        io::Error::new(
            e.kind(),
            format!("{e} (under WASI only preopened directories are reachable)"),
        )
    } else {
        e
    };
    Error::local(path, e)
}

/// A failure of the transfer callback that writes `path` (or reads it) is
/// that file's error.
pub(crate) fn of_file(path: &Path) -> impl Fn(ftp_core::Error<io::Error>) -> Error + '_ {
    move |e| match e {
        ftp_core::Error::Callback(io) => local(path, io),
        other => Error::from(other),
    }
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

/// True for the replies of a server that does not do REST.
pub(crate) fn rest_refused(e: &Error) -> bool {
    matches!(e, Error::Permanent(r) if matches!(r.code().get(), 500..=504))
}

/// Creates a `.part` file anew, never through a link: a link planted under
/// that name is removed, not followed (`create_new` is `O_EXCL`, which does
/// not follow links).
pub(crate) fn create_part(part: &Path) -> io::Result<File> {
    let create = || OpenOptions::new().write(true).create_new(true).open(part);
    match create() {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {
            std::fs::remove_file(part)?;
            create()
        }
        other => other,
    }
}

/// A whole download held in memory, put in place: written to the `.part`
/// file (made anew), given its time, renamed to the final name. One call
/// for what a small file needs (the tokio twin makes it one trip to its
/// blocking threads instead of one per step).
pub(crate) fn land_whole(
    part: &Path,
    local_path: &Path,
    data: &[u8],
    modified: Option<SystemTime>,
) -> Result<(), Error> {
    let mut f = create_part(part).map_err(|e| local(part, e))?;
    f.write_all(data).map_err(|e| local(part, e))?;
    if let Some(when) = modified {
        f.set_modified(when).map_err(|e| local(part, e))?;
    }
    drop(f);
    std::fs::rename(part, local_path).map_err(|e| local(local_path, e))
}
