//! What the file helpers (download to a local path, upload a local file,
//! with resume and progress) take and return, for both twins; the helpers
//! are in `helpers.rs` (written once), the resume decision here.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use crate::Error;
use std::time::SystemTime;

/// Where a transfer stands, given to progress callbacks after each block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Progress {
    /// Bytes of the file done, a resumed transfer's start included.
    pub done: u64,
    /// The file's size, when known.
    pub total: Option<u64>,
}

/// What a caller knows before a download ([`crate::Ftp::fetch`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Fetch {
    /// Continue from the `.part` file (REST).
    pub resume: bool,
    /// With `resume` and no `.part` file: continue a file that stands
    /// under the final name and is shorter than the remote one (a partial
    /// file from another tool or an older run, as `wget -c`, `curl -C -`
    /// and `lftp get -c` do). It moves to the `.part` name first, so the
    /// final name only ever holds a whole file. Equal size: nothing to do;
    /// longer: an error. [`crate::Ftp::download_with`] sets it with `resume`; a
    /// mirror does not (an older, shorter version is no partial file).
    pub continue_local: bool,
    /// The remote size, when a listing gave it: no SIZE command is sent.
    pub size: Option<u64>,
    /// The modification time to give the local file.
    pub modified: Option<SystemTime>,
    /// Compare the server's checksum with the file's before it gets its
    /// final name.
    pub verify: crate::Verification,
}

impl Fetch {
    setters! {
        resume: bool,
        continue_local: bool,
        size: Option<u64>,
        modified: Option<SystemTime>,
        verify: crate::Verification,
    }
}

/// How a segmented download goes ([`crate::download_segmented`], lftp's
/// `pget -n`): `segments` connections each fetch a range of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Segmented {
    /// Connections, each with its own range (2 to 16; 1 is one stream).
    pub segments: usize,
    /// Continue the ranges an earlier run left in `NAME.part` (their state
    /// in `NAME.part.segments`).
    pub resume: bool,
    /// Compare the server's checksum with the whole file's before it gets
    /// its final name.
    pub verify: crate::Verification,
    /// Retries of a range that failed for a passing reason, each on a
    /// fresh connection. Default 2.
    pub retries: usize,
    /// Files smaller than this go as one stream. Default 1 MiB.
    pub min_size: u64,
    /// The remote size, when a listing gave it: no SIZE command is sent.
    pub size: Option<u64>,
    /// The modification time to give the local file.
    pub modified: Option<SystemTime>,
}

impl Default for Segmented {
    fn default() -> Self {
        Segmented {
            segments: 4,
            resume: false,
            verify: crate::Verification::Never,
            retries: 2,
            min_size: 1 << 20,
            size: None,
            modified: None,
        }
    }
}

impl Segmented {
    setters! {
        segments: usize,
        resume: bool,
        verify: crate::Verification,
        retries: usize,
        min_size: u64,
        size: Option<u64>,
        modified: Option<SystemTime>,
    }
}

/// Where the ranges of a segmented download stand, in `NAME.part.segments`
/// beside the `.part` file: the size, then `start end done` a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Ranges {
    pub(crate) total: u64,
    pub(crate) ranges: Vec<(u64, u64, u64)>,
}

impl Ranges {
    /// `n` ranges of (nearly) equal length.
    pub(crate) fn split(total: u64, n: usize) -> Ranges {
        let n = n.max(1) as u64;
        let step = total.div_ceil(n).max(1);
        let ranges = (0..n)
            .map(|i| (i * step, ((i + 1) * step).min(total), 0))
            .filter(|(start, end, _)| start < end)
            .collect();
        Ranges { total, ranges }
    }

    pub(crate) fn parse(text: &str) -> Option<Ranges> {
        let mut lines = text.lines();
        let total = lines.next()?.strip_prefix("size ")?.parse().ok()?;
        let mut ranges = Vec::new();
        for line in lines {
            let mut f = line.split(' ').map(str::parse::<u64>);
            let (Some(Ok(start)), Some(Ok(end)), Some(Ok(done)), None) =
                (f.next(), f.next(), f.next(), f.next())
            else {
                return None;
            };
            if start >= end || end > total || done > end - start {
                return None;
            }
            ranges.push((start, end, done));
        }
        (!ranges.is_empty()).then_some(Ranges { total, ranges })
    }

    pub(crate) fn render(&self) -> String {
        let mut out = format!("size {}\n", self.total);
        for (start, end, done) in &self.ranges {
            out.push_str(&format!("{start} {end} {done}\n"));
        }
        out
    }

    /// Bytes already in the file.
    pub(crate) fn done(&self) -> u64 {
        self.ranges.iter().map(|r| r.2).sum()
    }
}

/// What a download or upload did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transferred {
    /// Where the transfer started: 0, or the offset it resumed from.
    pub offset: u64,
    /// Bytes sent over the data connection by this call.
    pub bytes: u64,
    /// The server's final reply to the transfer (`"226 Transfer
    /// complete."`); `None` when nothing had to be transferred.
    pub reply: Option<crate::Reply>,
    /// The checksum both sides agreed on, when the transfer was verified.
    pub checksum: Option<crate::Checksum>,
}

impl Transferred {
    /// A download that found every byte already there.
    pub(crate) fn nothing_moved(offset: u64) -> Self {
        Transferred {
            offset,
            bytes: 0,
            reply: None,
            checksum: None,
        }
    }
}

/// How an upload goes ([`crate::Ftp::put`]).
///
/// ```
/// use ftp_std::{Put, Verification};
/// let put = Put::default().keep_time(true).verify(Verification::Auto);
/// assert!(!put.resume);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Put {
    /// Continue a shorter remote file from its size (APPE, else REST and
    /// STOR).
    pub resume: bool,
    /// Give the remote file the local file's modification time
    /// ([`crate::Ftp::set_mtime`]).
    pub keep_time: bool,
    /// Compare the server's checksum with the local file's afterwards.
    pub verify: crate::Verification,
    /// Upload under a temporary name in the same directory
    /// ([`upload_temp_name`]) and rename it (RNFR, RNTO) to the final name
    /// only after the final reply and the size (and checksum) check: the
    /// final name holds the old file, whole, until the new one is. A
    /// failed upload removes the temporary file when the session can
    /// (a lost connection leaves it, for a `resume` to continue).
    pub atomic: bool,
}

impl Put {
    setters! {
        resume: bool,
        keep_time: bool,
        verify: crate::Verification,
        atomic: bool,
    }
}

/// The temporary name of an atomic upload ([`Put::atomic`]): `.NAME.part`
/// in the final name's directory (hidden from `ls`-based listings and web
/// servers; one name a file, so a `resume` finds it again).
///
/// ```
/// assert_eq!(ftp_std::upload_temp_name("pub/site/index.html"), "pub/site/.index.html.part");
/// assert_eq!(ftp_std::upload_temp_name("a.bin"), ".a.bin.part");
/// ```
pub fn upload_temp_name(remote: &str) -> String {
    hidden_beside(remote, "part")
}

/// `.NAME.SUFFIX` in `remote`'s directory.
pub(crate) fn hidden_beside(remote: &str, suffix: &str) -> String {
    match remote.rsplit_once('/') {
        Some((dir, name)) => format!("{dir}/.{name}.{suffix}"),
        None => format!(".{remote}.{suffix}"),
    }
}

/// The temporary name a download is written under: `NAME.part` beside the
/// final name, so the rename stays on one file system.
pub fn part_path(local: &Path) -> PathBuf {
    let mut name = local.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    local.with_file_name(name)
}

/// Where a download starts, decided from what is on disk before any
/// byte moves ([`resume_from`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Resume {
    /// From the first byte, into a new `.part` file.
    Fresh,
    /// The `.part` file continued from this length (REST).
    Part(u64),
    /// The `.part` file has every byte: only put in place.
    PartWhole(u64),
    /// The file under the final name, shorter: moved to the `.part` name
    /// and continued from this length (`wget -c`).
    Local(u64),
    /// The file under the final name has the remote size: nothing to do.
    LocalWhole(u64),
    /// The file under the final name is longer than the remote one: an
    /// error, nothing touched.
    LocalLonger { have: u64, total: u64 },
}

/// The resume decision of a download: `part` and `local` are the lengths
/// of the regular files (never links) under the `.part` and the final
/// name, looked at only when resuming (`local` only when no `.part` file
/// is there and the caller continues a file under the final name), and
/// `total` the remote size when known. A `.part` file longer than the
/// remote file is not continued.
pub(crate) fn resume_from(part: Option<u64>, local: Option<u64>, total: Option<u64>) -> Resume {
    if let Some(have) = part {
        return match total {
            Some(total) if have > total => Resume::Fresh,
            Some(total) if have == total && have > 0 => Resume::PartWhole(have),
            _ if have == 0 => Resume::Fresh,
            _ => Resume::Part(have),
        };
    }
    match (local, total) {
        (None, _) => Resume::Fresh,
        (Some(have), Some(total)) if have == total => Resume::LocalWhole(have),
        (Some(have), Some(total)) if have > total => Resume::LocalLonger { have, total },
        (Some(have), _) => Resume::Local(have),
    }
}

/// What a download's transfer did: the bytes received, the server's final
/// reply, and the local file when one was opened (at the first byte).
pub(crate) type Received<F> = (u64, crate::Reply, Option<F>);

/// What the portable download loop did: the bytes received, the final
/// reply, and the `.part` file it streamed to, or the bytes it held.
pub(crate) type Looped<F> = (u64, crate::Reply, Result<F, Vec<u8>>);

/// Where a download's bytes are when its transfer ended well.
#[derive(PartialEq, Eq)]
pub(crate) enum Landing {
    /// In the `.part` file, its time set: to be renamed.
    Part,
    /// In memory: a download from offset 0 that fit in the session's
    /// buffer, put in place in one go ([`crate::support::land_whole`]).
    Held(Vec<u8>),
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
    let mut f = create_part(part).map_err(|e| Error::local(part, e))?;
    f.write_all(data).map_err(|e| Error::local(part, e))?;
    if let Some(when) = modified {
        f.set_modified(when).map_err(|e| Error::local(part, e))?;
    }
    drop(f);
    std::fs::rename(part, local_path).map_err(|e| Error::local(local_path, e))
}

#[cfg(test)]
mod tests {
    use super::{Resume, resume_from};

    #[test]
    fn a_part_file_is_continued_unless_it_cannot_be() {
        assert_eq!(resume_from(Some(40), None, Some(100)), Resume::Part(40));
        assert_eq!(resume_from(Some(40), None, None), Resume::Part(40));
        assert_eq!(
            resume_from(Some(100), None, Some(100)),
            Resume::PartWhole(100)
        );
        // Longer than the remote file: not ours to continue.
        assert_eq!(resume_from(Some(140), None, Some(100)), Resume::Fresh);
        assert_eq!(resume_from(Some(0), None, Some(100)), Resume::Fresh);
        // An empty remote file and an empty .part: fetched again.
        assert_eq!(resume_from(Some(0), None, Some(0)), Resume::Fresh);
    }

    #[test]
    fn a_file_under_the_final_name_is_continued_as_wget_c_does() {
        assert_eq!(resume_from(None, None, Some(100)), Resume::Fresh);
        assert_eq!(resume_from(None, Some(40), Some(100)), Resume::Local(40));
        assert_eq!(resume_from(None, Some(40), None), Resume::Local(40));
        assert_eq!(
            resume_from(None, Some(100), Some(100)),
            Resume::LocalWhole(100)
        );
        assert_eq!(resume_from(None, Some(0), Some(0)), Resume::LocalWhole(0));
        assert_eq!(
            resume_from(None, Some(140), Some(100)),
            Resume::LocalLonger {
                have: 140,
                total: 100
            }
        );
        assert_eq!(resume_from(None, Some(0), None), Resume::Local(0));
    }
}
