//! Mirroring whole trees: [`mirror`] (remote to local) and [`mirror_up`]
//! (local to remote), recursive, in parallel, resumable, and safe against
//! hostile listings.
//!
//! A run scans both trees (the remote one by MLSD when the server has it,
//! else by LIST), plans (what to create, transfer, skip, delete), and
//! transfers with N workers, each on its own connection. A download does
//! the three a directory at a time on the workers: files start as soon
//! as their directory is listed, while other connections list the rest;
//! deletions come at the end. Every
//! name a listing gives is checked before it becomes a path: `.`, `..`,
//! `/`, `\`, NUL, CR, LF, or a path that would leave the target through a
//! local link, are refused and reported, never followed.
//!
//! The code follows those seams: `names` (the safety checks), `scan` (the
//! two trees), `plan` (a pure function from the trees and the options to
//! what to do, shared by both directions and tested without a server),
//! `workers` (the transfers).

pub(crate) mod names;
pub(crate) mod plan;
pub(crate) mod scan;
pub(crate) mod workers;

use std::time::Duration;

pub use names::unsafe_name;
use plan::{Direction, Plan};

/// How a mirror runs. `MirrorOptions::default()`: one connection, every
/// file transferred, nothing deleted, partial downloads continued.
///
/// ```
/// let options = ftp_std::MirrorOptions::default().parallel(4).only_newer(true);
/// assert_eq!((options.parallel, options.delete), (4, false));
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct MirrorOptions {
    /// Connections transferring at once (each its own session). Default 1.
    pub parallel: usize,
    /// Skip files whose size is the same and whose copy is not older than
    /// the source (modification times from MLSD `modify`, LIST with the
    /// server's zone learned from one MDTM, MDTM for files LIST shows only
    /// the year of, or the local file system). Downloaded files get the
    /// server's time (always from MLSD; from LIST servers only with this
    /// option, to the minute).
    pub only_newer: bool,
    /// Delete from the target what is no longer in the source (files and
    /// directories, excluded names kept). Off by default.
    pub delete: bool,
    /// When not empty, only files matching one of these globs are taken.
    pub include: Vec<String>,
    /// Files and directories matching one of these globs are left alone.
    /// A pattern with a `/` is matched against the path from the tree's
    /// root, one without against the name.
    pub exclude: Vec<String>,
    /// Plan only: [`Summary::planned`] lists what would change.
    pub dry_run: bool,
    /// Continue a download from its `.part` file (REST). Default on.
    pub resume: bool,
    /// Follow symbolic links (as files) instead of skipping them.
    pub follow_symlinks: bool,
    /// Attempts after the first for a file that failed for a reason that
    /// may pass (a lost connection, a 4xx). Default 3.
    pub retries: u32,
    /// The pause before a retry. Default 1 s.
    pub retry_pause: Duration,
    /// `mirror_up`: give each uploaded file the local file's modification
    /// time ([`crate::Ftp::set_mtime`]: MFMT, MDTM with a time or SITE
    /// UTIME), so that a later `only_newer` run sends nothing. Default on.
    pub keep_time: bool,
    /// Verify each transferred file by checksum ([`crate::Ftp::checksum`]);
    /// `Auto` by default: when the server offers one. A file whose
    /// checksums differ fails (a download leaves nothing under its final
    /// name); [`Summary::verified`] counts the files verified.
    pub verify: crate::Verification,
    /// `mirror`: files of at least [`MirrorOptions::segment_above`] bytes
    /// come as this many ranges over as many connections of their own
    /// ([`crate::download_segmented`]); 1 (the default) is one stream.
    pub segments: usize,
    /// The size from which a download is segmented. Default 16 MiB.
    pub segment_above: u64,
    /// Hidden files too from servers that list without them (`LIST -a`
    /// on vsftpd, ProFTPD, Pure-FTPd; MLSD lists them anyway). Off by
    /// default.
    pub hidden: bool,
    /// `mirror_up`: each file goes up under a temporary name and is
    /// renamed once whole and checked ([`crate::Put::atomic`]), so the
    /// target never shows a half-sent file. Default on.
    pub atomic: bool,
    /// The most the mirror moves a second, all its connections together
    /// ([`crate::RateLimit`]); files are not split in ranges under it.
    /// None by default (sessions keep their own
    /// [`crate::Options::rate_limit`]).
    pub rate_limit: Option<crate::RateLimit>,
}

impl MirrorOptions {
    setters! {
        parallel: usize,
        only_newer: bool,
        delete: bool,
        include: Vec<String>,
        exclude: Vec<String>,
        dry_run: bool,
        resume: bool,
        follow_symlinks: bool,
        retries: u32,
        retry_pause: Duration,
        keep_time: bool,
        verify: crate::Verification,
        segments: usize,
        segment_above: u64,
        hidden: bool,
        atomic: bool,
        rate_limit: Option<crate::RateLimit>,
    }
}

impl Default for MirrorOptions {
    fn default() -> Self {
        MirrorOptions {
            parallel: 1,
            only_newer: false,
            delete: false,
            include: Vec::new(),
            exclude: Vec::new(),
            dry_run: false,
            resume: true,
            follow_symlinks: false,
            retries: 3,
            retry_pause: Duration::from_secs(1),
            keep_time: true,
            verify: crate::Verification::Auto,
            segments: 1,
            segment_above: 16 << 20,
            hidden: false,
            atomic: true,
            rate_limit: None,
        }
    }
}

/// A path that failed or was refused, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The path from the tree's root (as the listing gave it).
    pub path: String,
    /// What went wrong.
    pub message: String,
}

/// What a mirror did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    /// Files transferred.
    pub files: u64,
    /// Of those, the files whose checksums the server and this side agree
    /// on ([`MirrorOptions::verify`]).
    pub verified: u64,
    /// Bytes transferred.
    pub bytes: u64,
    /// Files left as they were (up to date, or links not followed).
    pub skipped: u64,
    /// Directories created.
    pub dirs_created: u64,
    /// Files and directories deleted from the target.
    pub deleted: u64,
    /// Files that could not be transferred or deleted, after retries.
    pub failed: Vec<Problem>,
    /// Names refused as unsafe.
    pub refused: Vec<Problem>,
    /// With `dry_run`: what would be done (`get a/b`, `put a/b`,
    /// `mkdir a`, `delete a/c`).
    pub planned: Vec<String>,
    /// Wall-clock time of the run.
    pub seconds: f64,
    /// Connections that transferred files: fewer than
    /// [`MirrorOptions::parallel`] when the server refused more
    /// (`421 Too many connections`).
    pub connections: u64,
    /// Why the run stopped before every file was tried, said once (the
    /// server's storage is full: 452/552; or the local disk is); the files
    /// not tried are in [`Summary::failed`].
    pub stopped: Option<String>,
}

impl Summary {
    /// Bytes per second over the whole run.
    pub fn throughput(&self) -> f64 {
        if self.seconds > 0.0 {
            self.bytes as f64 / self.seconds
        } else {
            0.0
        }
    }
}

/// Where a mirror stands, for progress displays.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MirrorProgress {
    /// Files finished (transferred or failed).
    pub files_done: u64,
    /// Files to transfer.
    pub files_total: u64,
    /// Bytes transferred so far.
    pub bytes_done: u64,
    /// Bytes to transfer, as far as known.
    pub bytes_total: u64,
    /// The remote tree is still being listed (a download lists and
    /// transfers at once): the totals are what the listings found so far.
    pub scanning: bool,
}

/// Moves what the plan refused, failed and skipped into the summary; with
/// `dry_run`, the plan itself, and `None`: nothing is to be done.
pub(crate) fn take_plan(
    mut plan: Plan,
    summary: &mut Summary,
    options: &MirrorOptions,
    direction: Direction,
) -> Option<Plan> {
    summary.failed.append(&mut plan.failed);
    summary.refused.append(&mut plan.refused);
    summary.skipped += plan.skipped;
    if options.dry_run {
        summary.planned.extend(plan.describe(direction));
        return None;
    }
    Some(plan)
}
