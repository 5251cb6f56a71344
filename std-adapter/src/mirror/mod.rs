//! Mirroring whole trees: [`mirror`] (remote to local) and [`mirror_up`]
//! (local to remote), recursive, in parallel, resumable, and safe against
//! hostile listings.
//!
//! The run has three phases: scan both trees (the remote one by MLSD when
//! the server has it, else by LIST), plan (what to create, transfer, skip,
//! delete), and transfer with N workers, each on its own connection. Every
//! name a listing gives is checked before it becomes a path: `.`, `..`,
//! `/`, `\`, NUL, CR, LF, or a path that would leave the target through a
//! local link, are refused and reported, never followed.
//!
//! The code follows those seams: `names` (the safety checks), `scan` (the
//! two trees), `plan` (a pure function from the trees and the options to
//! what to do, shared by both directions and tested without a server),
//! `workers` (the transfers).

mod names;
mod plan;
mod scan;
mod workers;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, UNIX_EPOCH};

use ftp_core::Timestamp;

use crate::{Error, Ftp};
pub use names::unsafe_name;
use names::{Filter, local_path, remote_path};
use plan::{Direction, Plan, plan, times_wanted};
use scan::{Kind, Tree, scan_local, scan_remote};
use workers::{Job, connection_lost, run_workers};

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
    /// the source (modification times from MLSD `modify`, MDTM, or the
    /// local file system). Downloaded files get the server's time (always
    /// from MLSD; from LIST servers only with this option, at one MDTM a
    /// file).
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
}

/// Mirrors the remote tree `remote` into the local directory `local`.
///
/// `session` is used for the scan and as the first worker (connected with
/// `connect` when `None`; replaced by a fresh session when its connection
/// dies); `connect` makes the other workers' sessions, each connected and
/// logged in. The remote path is taken from the session's current
/// directory when it is relative; the session's directory is restored at
/// the end. An error is returned only when the remote root cannot be
/// listed or the local target cannot be made; files that fail are in
/// [`Summary::failed`].
///
/// ```no_run
/// use ftp_std::{Ftp, MirrorOptions, Options};
/// let connect = || {
///     let mut ftp = Ftp::connect("ftp.example.com", 21, &Options::default())?;
///     ftp.login("anonymous", "", "")?;
///     Ok(ftp)
/// };
/// let mut session = Some(connect()?);
/// let options = MirrorOptions::default().parallel(4).only_newer(true);
/// let summary = ftp_std::mirror(&mut session, &connect, "pub/debian", "debian".as_ref(), &options, &|_| {})?;
/// println!("{} files, {} bytes, {} failed", summary.files, summary.bytes, summary.failed.len());
/// # Ok::<(), ftp_std::Error>(())
/// ```
pub fn mirror<C>(
    session: &mut Option<Ftp>,
    connect: &C,
    remote: &str,
    local: &Path,
    options: &MirrorOptions,
    progress: &(dyn Fn(MirrorProgress) + Sync),
) -> Result<Summary, Error>
where
    C: Fn() -> Result<Ftp, Error> + Sync,
{
    let start = Instant::now();
    let mut summary = Summary::default();
    let filter = Filter::of(options);
    let (ftp, home, root) = open_root(session, connect, remote)?;
    let scanned = scan_remote(ftp, &root, &filter, &mut summary);
    // Back where the caller was, whatever the scan did.
    let _ = ftp.cwd(&home);
    let (mut tree, _) = scanned?;

    if !options.dry_run {
        std::fs::create_dir_all(local).map_err(|e| Error::local(local, e))?;
    }
    let target = match local.canonicalize() {
        Ok(t) => t,
        Err(_) if options.dry_run => local.to_path_buf(),
        Err(e) => return Err(Error::local(local, e)),
    };
    let local_tree =
        scan_local(&target, false, &filter, &mut summary).map_err(|e| Error::local(&target, e))?;
    // LIST gives no times: MDTM for the files only_newer must compare.
    remote_times(ftp, &root, &mut tree, &local_tree, options, Direction::Down)?;
    let plan = plan(&tree, &local_tree, options, Direction::Down);
    let Some(plan) = take_plan(plan, &mut summary, options, Direction::Down) else {
        summary.seconds = start.elapsed().as_secs_f64();
        return Ok(summary);
    };

    for rel in &plan.mkdir {
        match std::fs::create_dir(local_path(&target, rel)) {
            Ok(()) => summary.dirs_created += 1,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => summary.failed.push(Problem {
                path: rel.clone(),
                message: format!("cannot create the directory: {e}"),
            }),
        }
    }
    // A local link on the way must not lead a write elsewhere: each
    // directory is checked once.
    let mut inside: BTreeMap<PathBuf, bool> = BTreeMap::new();
    let mut jobs = std::collections::VecDeque::new();
    for job in plan.fetch {
        let path = local_path(&target, &job.rel);
        if let Some(parent) = path.parent()
            && !*inside
                .entry(parent.to_path_buf())
                .or_insert_with(|| parent.canonicalize().is_ok_and(|p| p.starts_with(&target)))
        {
            summary.refused.push(Problem {
                path: job.rel.clone(),
                message: "the local directory leads outside the target".into(),
            });
            continue;
        }
        jobs.push_back(job);
    }
    for (rel, kind) in &plan.delete {
        let path = local_path(&target, rel);
        let result = match kind {
            Kind::Dir => std::fs::remove_dir(&path),
            // A link is removed itself, never what it points to.
            Kind::File | Kind::Link => std::fs::remove_file(&path),
        };
        match result {
            Ok(()) => summary.deleted += 1,
            // A directory still holding excluded files stays.
            Err(_) if *kind == Kind::Dir => {}
            Err(e) => summary.failed.push(Problem {
                path: rel.clone(),
                message: format!("cannot delete: {e}"),
            }),
        }
    }

    let only_newer = options.only_newer;
    let work = |ftp: &mut Ftp, job: &Job, on_bytes: &dyn Fn(u64)| {
        let path = local_path(&target, &job.rel);
        let remote = remote_path(&root, &job.rel);
        // LIST gives no exact time: with only_newer, MDTM before the
        // transfer, so the file gets the server's time while it is still
        // open. Without it the download's own time is kept (newer than the
        // source, so a later only_newer run skips the file): no MDTM per
        // file.
        let mtime = match job.mtime {
            Some(t) => Some(t),
            None if !only_newer => None,
            None => match ftp.mdtm(&remote) {
                Ok(t) => Some(t.unix_seconds()),
                Err(e) if connection_lost(&e) => return Err(e),
                Err(_) => None,
            },
        };
        let fetch = crate::Fetch {
            resume: job.resume,
            // An older, shorter version under the final name is no
            // partial download.
            continue_local: false,
            size: job.size,
            modified: mtime
                .and_then(|t| u64::try_from(t).ok())
                .map(|t| UNIX_EPOCH + Duration::from_secs(t)),
        };
        let done = ftp.fetch(&remote, &path, &fetch, |p| on_bytes(p.done))?;
        Ok(done.bytes)
    };
    let mut summary = run_workers(session, connect, options, jobs, summary, progress, work);
    summary.seconds = start.elapsed().as_secs_f64();
    Ok(summary)
}

/// The caller's session (connected first when `None`), its current
/// directory, and the remote root: absolute as given, else under that
/// directory.
fn open_root<'s, C>(
    session: &'s mut Option<Ftp>,
    connect: &C,
    remote: &str,
) -> Result<(&'s mut Ftp, String, String), Error>
where
    C: Fn() -> Result<Ftp, Error>,
{
    let ftp = match session {
        Some(ftp) => ftp,
        None => session.insert(connect()?),
    };
    let home = ftp.pwd()?;
    let root = if remote.starts_with('/') {
        remote.to_string()
    } else {
        remote_path(&home, remote)
    };
    Ok((ftp, home, root))
}

/// Asks MDTM for the remote times the plan needs and the scan did not give
/// (LIST servers, only_newer); a refusal leaves the time unknown.
fn remote_times(
    ftp: &mut Ftp,
    root: &str,
    remote: &mut Tree,
    local: &Tree,
    options: &MirrorOptions,
    direction: Direction,
) -> Result<(), Error> {
    let wanted = match direction {
        Direction::Down => times_wanted(remote, local, options, direction),
        Direction::Up => times_wanted(local, remote, options, direction),
    };
    for rel in wanted {
        match ftp.mdtm(&remote_path(root, &rel)) {
            Ok(t) => {
                if let Some(item) = remote.get_mut(&rel) {
                    item.mtime = Some(t.unix_seconds());
                }
            }
            Err(e) if connection_lost(&e) => return Err(e),
            Err(_) => {}
        }
    }
    Ok(())
}

/// Moves what the plan refused, failed and skipped into the summary; with
/// `dry_run`, the plan itself, and `None`: nothing is to be done.
fn take_plan(
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

/// Mirrors the local directory `local` into the remote directory `remote`
/// (made when missing): the same options, in the other direction. Uploads
/// are not resumed (a shorter remote file may be an older version, not a
/// partial one); with `only_newer` a file is skipped when the remote one
/// has its size and is not older. When the server has MFMT, uploaded files
/// get the local modification time.
pub fn mirror_up<C>(
    session: &mut Option<Ftp>,
    connect: &C,
    local: &Path,
    remote: &str,
    options: &MirrorOptions,
    progress: &(dyn Fn(MirrorProgress) + Sync),
) -> Result<Summary, Error>
where
    C: Fn() -> Result<Ftp, Error> + Sync,
{
    let start = Instant::now();
    let mut summary = Summary::default();
    let filter = Filter::of(options);
    let source = local.canonicalize().map_err(|e| Error::local(local, e))?;
    let local_tree = scan_local(&source, options.follow_symlinks, &filter, &mut summary)
        .map_err(|e| Error::local(&source, e))?;
    let (ftp, home, root) = open_root(session, connect, remote)?;
    let mfmt = ftp
        .feat()
        .is_ok_and(|f| f.iter().any(|l| l.trim().eq_ignore_ascii_case("MFMT")));
    // The remote root: made when missing.
    let mut remote_tree = match ftp.cwd(&root) {
        Ok(_) => {
            let scanned = scan_remote(ftp, &root, &filter, &mut summary);
            let _ = ftp.cwd(&home);
            scanned?.0
        }
        Err(Error::Permanent(_)) => {
            if options.dry_run {
                summary.planned.push(format!("mkdir {root}"));
            } else {
                ftp.mkd(&root)?;
                summary.dirs_created += 1;
            }
            Tree::new()
        }
        Err(e) => return Err(e),
    };
    remote_times(
        ftp,
        &root,
        &mut remote_tree,
        &local_tree,
        options,
        Direction::Up,
    )?;
    let plan = plan(&local_tree, &remote_tree, options, Direction::Up);
    let Some(plan) = take_plan(plan, &mut summary, options, Direction::Up) else {
        summary.seconds = start.elapsed().as_secs_f64();
        return Ok(summary);
    };
    for rel in &plan.mkdir {
        match ftp.mkd(&remote_path(&root, rel)) {
            Ok(_) => summary.dirs_created += 1,
            Err(e) if connection_lost(&e) => return Err(e),
            Err(e) => summary.failed.push(Problem {
                path: rel.clone(),
                message: format!("cannot create the directory: {e}"),
            }),
        }
    }
    for (rel, kind) in &plan.delete {
        let path = remote_path(&root, rel);
        let result = match kind {
            Kind::Dir => ftp.rmd(&path),
            _ => ftp.delete(&path),
        };
        match result {
            Ok(_) => summary.deleted += 1,
            Err(e) if connection_lost(&e) => return Err(e),
            Err(_) if *kind == Kind::Dir => {}
            Err(e) => summary.failed.push(Problem {
                path: rel.clone(),
                message: format!("cannot delete: {e}"),
            }),
        }
    }
    // Interleaved over directories by run_workers, once.
    let jobs = plan.fetch.into_iter().collect();
    let work = |ftp: &mut Ftp, job: &Job, on_bytes: &dyn Fn(u64)| {
        let path = local_path(&source, &job.rel);
        let remote = remote_path(&root, &job.rel);
        let done = ftp.upload_with(&path, &remote, false, |p| on_bytes(p.done))?;
        if mfmt && let Some(t) = job.mtime.and_then(Timestamp::from_unix_seconds) {
            let _ = ftp.sendcmd(&format!("MFMT {t} {remote}"));
        }
        Ok(done.bytes)
    };
    let mut summary = run_workers(session, connect, options, jobs, summary, progress, work);
    summary.seconds = start.elapsed().as_secs_f64();
    Ok(summary)
}
