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

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use ftp_core::Timestamp;
use ftp_core::list::{ListKind, parse_list_line};
use ftp_core::mlsd::EntryKind;

use crate::glob::glob_match;
use crate::{Error, Ftp};

/// How a mirror runs. `MirrorOptions::default()`: one connection, every
/// file transferred, nothing deleted, partial downloads continued.
#[derive(Clone, Debug)]
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

/// The most entries a scan takes, against a server listing forever.
const MAX_ENTRIES: usize = 2_000_000;
/// The deepest directory a scan enters.
const MAX_DEPTH: usize = 64;

#[derive(Clone, Debug, PartialEq, Eq)]
enum Kind {
    File,
    Dir,
    Link,
}

#[derive(Clone, Debug)]
struct Item {
    kind: Kind,
    size: Option<u64>,
    /// Unix seconds.
    mtime: Option<i64>,
}

/// A tree: paths from its root (`a/b`, `/`-separated) to what they are.
type Tree = BTreeMap<String, Item>;

/// Why a name from a listing cannot be used; `None` when it is safe.
pub fn unsafe_name(name: &[u8]) -> Option<&'static str> {
    if name.is_empty() {
        Some("empty name")
    } else if name == b"." || name == b".." {
        Some("\".\" and \"..\" are not names")
    } else if name.contains(&b'/') || name.contains(&b'\\') {
        Some("a name holding / or \\ could lead elsewhere")
    } else if name.iter().any(|&b| matches!(b, 0 | b'\r' | b'\n')) {
        Some("a name holding NUL, CR or LF")
    } else if std::str::from_utf8(name).is_err() {
        Some("a name that is not UTF-8")
    } else {
        None
    }
}

fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_string()
    } else {
        format!("{dir}/{name}")
    }
}

fn remote_path(root: &str, rel: &str) -> String {
    match (root.trim_end_matches('/'), rel) {
        ("", "") => "/".to_string(),
        (r, "") => r.to_string(),
        (r, rel) => format!("{r}/{rel}"),
    }
}

fn local_path(root: &Path, rel: &str) -> PathBuf {
    let mut p = root.to_path_buf();
    for seg in rel.split('/').filter(|s| !s.is_empty()) {
        p.push(seg);
    }
    p
}

struct Filter<'a> {
    include: &'a [String],
    exclude: &'a [String],
}

impl Filter<'_> {
    fn hits(patterns: &[String], rel: &str) -> bool {
        let name = rel.rsplit('/').next().unwrap_or(rel);
        patterns.iter().any(|p| {
            if p.contains('/') {
                glob_match(p, rel)
            } else {
                glob_match(p, name)
            }
        })
    }

    fn excluded(&self, rel: &str) -> bool {
        Self::hits(self.exclude, rel)
    }

    /// A file is taken when not excluded and, with includes, included.
    fn takes_file(&self, rel: &str) -> bool {
        !self.excluded(rel) && (self.include.is_empty() || Self::hits(self.include, rel))
    }
}

fn unix_seconds(t: SystemTime) -> Option<i64> {
    t.duration_since(UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs() as i64)
}

/// The errors after which the session cannot go on.
fn connection_lost(e: &Error) -> bool {
    match e {
        Error::Io(_)
        | Error::ConnectionClosed
        | Error::SessionClosed
        | Error::Protocol(_)
        | Error::TransferIncomplete { .. } => true,
        Error::Temporary(r) => r.code().get() == 421,
        _ => false,
    }
}

fn worth_retrying(e: &Error) -> bool {
    (connection_lost(e) || matches!(e, Error::Temporary(_))) && !storage_full(e)
}

/// A refusal to connect or log in because the server caps connections
/// per client (`421 Too many connections`, lftp#335; some servers say it
/// with 530 at login): another connection is no use while the others
/// are open.
fn too_many_connections(e: &Error) -> bool {
    match e {
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

/// The target has no room: the server's storage (452, 552) or the local
/// disk. Every later file would fail the same way.
fn storage_full(e: &Error) -> bool {
    match e {
        Error::Temporary(r) => r.code().get() == 452,
        Error::Permanent(r) => r.code().get() == 552,
        // The local disk: a write of the download callback, or another.
        Error::Io(io) | Error::Callback(io) => matches!(
            io.kind(),
            std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
        ),
        _ => false,
    }
}

/// True when the server announces MLST/MLSD in FEAT.
fn has_mlsd(ftp: &mut Ftp) -> bool {
    ftp.feat().is_ok_and(|f| {
        f.iter()
            .any(|l| l.trim_start().to_ascii_uppercase().starts_with("MLST"))
    })
}

/// Lists one remote directory: (name, item) pairs, unsafe names reported.
fn list_remote(
    ftp: &mut Ftp,
    abs: &str,
    mlsd: bool,
    rel_dir: &str,
    refused: &mut Vec<Problem>,
) -> Result<Vec<(String, Item)>, Error> {
    let mut out = Vec::new();
    let mut check = |name: &[u8], item: Item, out: &mut Vec<(String, Item)>| {
        let shown = String::from_utf8_lossy(name).into_owned();
        match unsafe_name(name) {
            Some(why) => refused.push(Problem {
                path: join(rel_dir, &shown),
                message: why.to_string(),
            }),
            None => out.push((shown, item)),
        }
    };
    if mlsd {
        let session = ftp.session_mut();
        let mut buf = vec![0u8; 16 * 1024];
        session.mlsd(Some(abs), &[], &mut buf, |e| {
            let kind = match e.kind() {
                EntryKind::File => Kind::File,
                EntryKind::Dir => Kind::Dir,
                EntryKind::Link => Kind::Link,
                // The directory itself and its parent are not entries.
                EntryKind::Cdir | EntryKind::Pdir => return Ok(()),
                EntryKind::Other(_) | EntryKind::Unknown => Kind::Link,
            };
            let item = Item {
                kind,
                size: e.size(),
                mtime: e.modify().map(|t| t.unix_seconds()),
            };
            check(e.name, item, &mut out);
            Ok(())
        })?;
    } else {
        // CWD then a bare LIST: a directory named "-l" is not an option.
        ftp.cwd(abs)?;
        let session = ftp.session_mut();
        let mut buf = vec![0u8; 16 * 1024];
        session.dir(None, &mut buf, |line| {
            if let Ok(Some(e)) = parse_list_line(line) {
                let kind = match e.kind {
                    ListKind::File => Kind::File,
                    ListKind::Dir => Kind::Dir,
                    ListKind::Link | ListKind::Other => Kind::Link,
                };
                if e.name != b"." && e.name != b".." || kind != Kind::Dir {
                    let item = Item {
                        kind,
                        size: e.size,
                        mtime: None,
                    };
                    check(e.name, item, &mut out);
                }
            }
            Ok(())
        })?;
    }
    Ok(out)
}

/// Scans the remote tree under `root` (absolute).
fn scan_remote(
    ftp: &mut Ftp,
    root: &str,
    filter: &Filter<'_>,
    summary: &mut Summary,
) -> Result<(Tree, bool), Error> {
    let mlsd = has_mlsd(ftp);
    let mut tree = Tree::new();
    let mut queue = VecDeque::from([String::new()]);
    while let Some(dir) = queue.pop_front() {
        let abs = remote_path(root, &dir);
        let entries = match list_remote(ftp, &abs, mlsd, &dir, &mut summary.refused) {
            Ok(e) => e,
            // The root must be listable; a subdirectory that is not is
            // reported and the rest goes on.
            Err(e) if !dir.is_empty() && !connection_lost(&e) => {
                summary.failed.push(Problem {
                    path: dir.clone(),
                    message: format!("cannot list: {e}"),
                });
                continue;
            }
            Err(e) => return Err(e),
        };
        for (name, item) in entries {
            let rel = join(&dir, &name);
            if filter.excluded(&rel) || tree.contains_key(&rel) {
                continue;
            }
            if item.kind == Kind::Dir {
                if rel.split('/').count() > MAX_DEPTH {
                    summary.refused.push(Problem {
                        path: rel,
                        message: format!("deeper than {MAX_DEPTH} directories"),
                    });
                    continue;
                }
                queue.push_back(rel.clone());
            }
            tree.insert(rel, item);
            if tree.len() > MAX_ENTRIES {
                return Err(Error::Io(std::io::Error::other(format!(
                    "the remote tree has more than {MAX_ENTRIES} entries"
                ))));
            }
        }
    }
    Ok((tree, mlsd))
}

/// Scans the local tree under `root`, without following links unless
/// asked.
fn scan_local(
    root: &Path,
    follow: bool,
    filter: &Filter<'_>,
    summary: &mut Summary,
) -> std::io::Result<Tree> {
    let mut tree = Tree::new();
    let mut queue = VecDeque::from([String::new()]);
    while let Some(dir) = queue.pop_front() {
        let entries = match std::fs::read_dir(local_path(root, &dir)) {
            Ok(e) => e,
            Err(e) if dir.is_empty() && e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(tree);
            }
            Err(e) => return Err(e),
        };
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                summary.refused.push(Problem {
                    path: join(&dir, &name.to_string_lossy()),
                    message: "a local name that is not UTF-8".into(),
                });
                continue;
            };
            let rel = join(&dir, name);
            if let Some(why) = unsafe_name(name.as_bytes()) {
                summary.refused.push(Problem {
                    path: rel,
                    message: why.into(),
                });
                continue;
            }
            if filter.excluded(&rel) {
                continue;
            }
            let mut meta = entry.metadata()?;
            if meta.file_type().is_symlink() && follow {
                meta = match std::fs::metadata(entry.path()) {
                    Ok(m) => m,
                    Err(_) => continue,
                };
            }
            let kind = if meta.file_type().is_symlink() {
                Kind::Link
            } else if meta.is_dir() {
                if rel.split('/').count() <= MAX_DEPTH {
                    queue.push_back(rel.clone());
                }
                Kind::Dir
            } else {
                Kind::File
            };
            let item = Item {
                kind,
                size: Some(meta.len()),
                mtime: meta.modified().ok().and_then(unix_seconds),
            };
            tree.insert(rel, item);
        }
    }
    Ok(tree)
}

/// A file to transfer.
#[derive(Clone, Debug)]
struct Job {
    rel: String,
    size: Option<u64>,
    mtime: Option<i64>,
    /// A `.part` file to continue exists.
    resume: bool,
}

/// Orders jobs round-robin over their directories, so parallel workers
/// create files in different directories (file systems serialize the
/// changes of one directory).
fn interleave(jobs: VecDeque<Job>) -> VecDeque<Job> {
    let mut by_dir: BTreeMap<String, VecDeque<Job>> = BTreeMap::new();
    for job in jobs {
        let dir = job.rel.rsplit_once('/').map_or("", |(d, _)| d).to_string();
        by_dir.entry(dir).or_default().push_back(job);
    }
    let mut out = VecDeque::new();
    let mut queues: Vec<VecDeque<Job>> = by_dir.into_values().collect();
    while !queues.is_empty() {
        queues.retain_mut(|q| match q.pop_front() {
            Some(job) => {
                out.push_back(job);
                true
            }
            None => false,
        });
    }
    out
}

/// Shared counters and results of the workers.
struct Shared<'a> {
    jobs: Mutex<VecDeque<Job>>,
    summary: Mutex<Summary>,
    files_done: AtomicU64,
    bytes_done: AtomicU64,
    files_total: u64,
    bytes_total: u64,
    progress: &'a (dyn Fn(MirrorProgress) + Sync),
    /// Workers still running.
    active: AtomicUsize,
    /// Workers that had a session at some point.
    connected: AtomicU64,
    /// Set when the target is full: no new transfers start.
    full: AtomicBool,
}

impl Shared<'_> {
    fn report(&self) {
        (self.progress)(MirrorProgress {
            files_done: self.files_done.load(Ordering::Relaxed),
            files_total: self.files_total,
            bytes_done: self.bytes_done.load(Ordering::Relaxed),
            bytes_total: self.bytes_total,
        });
    }

    fn next(&self) -> Option<Job> {
        if self.full.load(Ordering::Relaxed) {
            return None;
        }
        self.jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop_front()
    }

    /// A job given back by a worker that retires: the next one takes it.
    fn give_back(&self, job: Job) {
        self.jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_front(job);
    }

    /// Retires a worker when another one is still running; false for the
    /// last, which must carry on.
    fn retire(&self) -> bool {
        self.active
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n > 1).then(|| n - 1)
            })
            .is_ok()
    }

    /// The target is full: stop starting transfers, say so once, and list
    /// what was not tried.
    fn stop_full(&self, e: &Error) {
        if self.full.swap(true, Ordering::AcqRel) {
            return;
        }
        let reason = format!("no room left on the target: {e}");
        log::warn!("mirror stopped: {reason}");
        let left: Vec<Job> = self
            .jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .drain(..)
            .collect();
        let mut summary = self.summary.lock().unwrap_or_else(|e| e.into_inner());
        for job in &left {
            summary.failed.push(Problem {
                path: job.rel.clone(),
                message: "not tried: no room left on the target".into(),
            });
        }
        summary.stopped = Some(reason);
        drop(summary);
        self.files_done
            .fetch_add(left.len() as u64, Ordering::Relaxed);
        self.report();
    }

    fn finish(&self, job: &Job, result: Result<u64, Error>) {
        let mut summary = self.summary.lock().unwrap_or_else(|e| e.into_inner());
        match result {
            Ok(bytes) => {
                summary.files += 1;
                summary.bytes += bytes;
            }
            Err(e) => summary.failed.push(Problem {
                path: job.rel.clone(),
                message: e.to_string(),
            }),
        }
        drop(summary);
        self.files_done.fetch_add(1, Ordering::Relaxed);
        self.report();
    }
}

/// Runs `work` on every job with `parallel` workers: the first on
/// `session` (connected first when `None`), the others on connections of
/// their own. A job that fails for a passing reason is retried, on a fresh
/// connection when the old one is lost. A worker whose connection the
/// server refuses for its per-client limit gives its job back and retires
/// (unless it is the last one running); a full target stops new transfers.
fn run_workers<C, W>(
    session: &mut Option<Ftp>,
    connect: &C,
    options: &MirrorOptions,
    jobs: VecDeque<Job>,
    summary: Summary,
    progress: &(dyn Fn(MirrorProgress) + Sync),
    work: W,
) -> Summary
where
    C: Fn() -> Result<Ftp, Error> + Sync,
    W: Fn(&mut Ftp, &Job, &dyn Fn(u64)) -> Result<u64, Error> + Sync,
{
    let workers = options.parallel.clamp(1, 64);
    let jobs = if workers > 1 { interleave(jobs) } else { jobs };
    let state = Shared {
        files_total: jobs.len() as u64,
        bytes_total: jobs.iter().filter_map(|j| j.size).sum(),
        jobs: Mutex::new(jobs),
        summary: Mutex::new(summary),
        files_done: AtomicU64::new(0),
        bytes_done: AtomicU64::new(0),
        progress,
        active: AtomicUsize::new(workers),
        connected: AtomicU64::new(0),
        full: AtomicBool::new(false),
    };
    let shared = &state;
    let worker = |mut ftp: Option<Ftp>| -> Option<Ftp> {
        let mut has_connected = ftp.is_some();
        if has_connected {
            shared.connected.fetch_add(1, Ordering::Relaxed);
        }
        'jobs: while let Some(job) = shared.next() {
            // Bytes of this file counted so far: a retry resumes, so only
            // what goes beyond is new.
            let counted = AtomicU64::new(0);
            let on_bytes = |done: u64| {
                let before = counted.fetch_max(done, Ordering::Relaxed);
                shared
                    .bytes_done
                    .fetch_add(done.saturating_sub(before), Ordering::Relaxed);
                shared.report();
            };
            let mut attempt = 0;
            let result = loop {
                let outcome = match &mut ftp {
                    Some(f) => work(f, &job, &on_bytes),
                    None => match connect() {
                        Ok(f) => {
                            if !has_connected {
                                has_connected = true;
                                shared.connected.fetch_add(1, Ordering::Relaxed);
                            }
                            ftp = Some(f);
                            continue;
                        }
                        Err(e) if too_many_connections(&e) && shared.retire() => {
                            log::info!(
                                "mirror: the server refused another connection ({e}); going on with fewer"
                            );
                            shared.give_back(job);
                            break 'jobs;
                        }
                        Err(e) => Err(e),
                    },
                };
                match outcome {
                    Ok(bytes) => break Ok(bytes),
                    Err(e) => {
                        if storage_full(&e) {
                            shared.stop_full(&e);
                            break Err(e);
                        }
                        if connection_lost(&e) {
                            ftp = None;
                        }
                        attempt += 1;
                        if !worth_retrying(&e) || attempt > options.retries {
                            break Err(e);
                        }
                        log::info!("{}: {e}; retrying", job.rel);
                        std::thread::sleep(options.retry_pause);
                    }
                }
            };
            shared.finish(&job, result);
        }
        ftp
    };
    // A worker that ran out of jobs no longer counts for `retire`.
    let worker = |ftp: Option<Ftp>| -> Option<Ftp> {
        let ftp = worker(ftp);
        shared.active.fetch_sub(1, Ordering::AcqRel);
        ftp
    };
    std::thread::scope(|scope| {
        let mut extra = Vec::new();
        for i in 1..workers {
            let spawned = std::thread::Builder::new()
                .name(format!("mirror-{i}"))
                .spawn_scoped(scope, || worker(None));
            match spawned {
                Ok(handle) => extra.push(handle),
                // No threads here (WASI): the first worker does it all.
                Err(e) => {
                    log::info!("mirror: no more workers ({e}), going on with {i}");
                    break;
                }
            }
        }
        let first = worker(session.take());
        *session = first;
        for handle in extra {
            // A worker that panicked lost its jobs' results; the others
            // are in the summary.
            let _ = handle.join();
        }
    });
    // A job given back by a worker that retired just as the others ran
    // out of work: the caller's session takes what is left (alone, it
    // cannot retire).
    if !state
        .jobs
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .is_empty()
    {
        state.active.store(1, Ordering::Release);
        *session = worker(session.take());
    }
    let connections = state.connected.load(Ordering::Relaxed);
    let mut summary = state
        .summary
        .into_inner()
        .unwrap_or_else(|e| e.into_inner());
    summary.connections = connections;
    summary
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
/// let options = MirrorOptions { parallel: 4, only_newer: true, ..Default::default() };
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
    let filter = Filter {
        include: &options.include,
        exclude: &options.exclude,
    };
    if session.is_none() {
        *session = Some(connect()?);
    }
    let ftp = session.as_mut().ok_or(Error::SessionClosed)?;
    let home = ftp.pwd()?;
    let root = if remote.starts_with('/') {
        remote.to_string()
    } else {
        remote_path(&home, remote)
    };
    let scanned = scan_remote(ftp, &root, &filter, &mut summary);
    // Back where the caller was, whatever the scan did.
    let _ = ftp.cwd(&home);
    let (tree, _) = scanned?;

    if !options.dry_run {
        std::fs::create_dir_all(local).map_err(Error::Io)?;
    }
    let target = match local.canonicalize() {
        Ok(t) => t,
        Err(_) if options.dry_run => local.to_path_buf(),
        Err(e) => return Err(Error::Io(e)),
    };
    let local_tree = scan_local(&target, false, &filter, &mut summary).map_err(Error::Io)?;

    // Directories first, parents before children (the map is sorted).
    for rel in tree
        .iter()
        .filter(|(_, i)| i.kind == Kind::Dir)
        .map(|(k, _)| k)
    {
        let path = local_path(&target, rel);
        match local_tree.get(rel).map(|i| &i.kind) {
            Some(Kind::Dir) => continue,
            Some(_) => {
                summary.failed.push(Problem {
                    path: rel.clone(),
                    message: "a local file or link stands where the directory goes".into(),
                });
                continue;
            }
            None => {}
        }
        if options.dry_run {
            summary.planned.push(format!("mkdir {rel}"));
        } else if let Err(e) = std::fs::create_dir(&path) {
            if e.kind() != std::io::ErrorKind::AlreadyExists {
                summary.failed.push(Problem {
                    path: rel.clone(),
                    message: format!("cannot create the directory: {e}"),
                });
            }
        } else {
            summary.dirs_created += 1;
        }
    }

    // Files: what to fetch. Each local directory is checked once.
    let mut inside: BTreeMap<PathBuf, bool> = BTreeMap::new();
    let mut jobs = VecDeque::new();
    for (rel, item) in &tree {
        match item.kind {
            Kind::Dir => continue,
            Kind::Link if !options.follow_symlinks => {
                summary.skipped += 1;
                continue;
            }
            _ => {}
        }
        if !filter.takes_file(rel) {
            continue;
        }
        let path = local_path(&target, rel);
        // A local link on the way must not lead the write elsewhere.
        if !options.dry_run
            && let Some(parent) = path.parent()
            && !*inside
                .entry(parent.to_path_buf())
                .or_insert_with(|| parent.canonicalize().is_ok_and(|p| p.starts_with(&target)))
        {
            summary.refused.push(Problem {
                path: rel.clone(),
                message: "the local directory leads outside the target".into(),
            });
            continue;
        }
        match local_tree.get(rel) {
            Some(l) if l.kind == Kind::Dir => {
                summary.failed.push(Problem {
                    path: rel.clone(),
                    message: "a local directory stands where the file goes".into(),
                });
                continue;
            }
            Some(l) if options.only_newer && l.kind == Kind::File && l.size == item.size => {
                let remote_time = match item.mtime {
                    Some(t) => Some(t),
                    None => session
                        .as_mut()
                        .and_then(|f| f.mdtm(&remote_path(&root, rel)).ok())
                        .map(|t| t.unix_seconds()),
                };
                if remote_time.is_none_or(|r| l.mtime.is_some_and(|m| m >= r)) {
                    summary.skipped += 1;
                    continue;
                }
            }
            _ => {}
        }
        if options.dry_run {
            summary.planned.push(format!("get {rel}"));
            continue;
        }
        jobs.push_back(Job {
            rel: rel.clone(),
            size: item.size,
            mtime: item.mtime,
            // Only a .part file the scan saw is worth a look.
            resume: options.resume && local_tree.contains_key(&format!("{rel}.part")),
        });
    }

    // What vanished from the source.
    if options.delete {
        delete_local(&target, &tree, &local_tree, options, &mut summary);
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

/// What `target` has and `source` has not, deepest first (so directories
/// are empty when their turn comes); files the include patterns do not
/// take are left alone.
fn vanished<'t>(
    source: &Tree,
    target: &'t Tree,
    options: &MirrorOptions,
) -> Vec<(&'t String, &'t Item)> {
    let mut gone: Vec<(&String, &Item)> = target
        .iter()
        .filter(|(rel, item)| {
            !source.contains_key(*rel)
                && (item.kind == Kind::Dir
                    || options.include.is_empty()
                    || Filter::hits(&options.include, rel))
        })
        .collect();
    gone.sort_by_key(|(rel, _)| std::cmp::Reverse(rel.split('/').count()));
    gone
}

fn delete_local(
    target: &Path,
    tree: &Tree,
    local_tree: &Tree,
    options: &MirrorOptions,
    summary: &mut Summary,
) {
    let remote_files: BTreeSet<&str> = tree
        .iter()
        .filter(|(_, i)| i.kind != Kind::Dir)
        .map(|(k, _)| k.as_str())
        .collect();
    for (rel, item) in vanished(tree, local_tree, options) {
        // A download's .part file stays for its resume.
        if let Some(base) = rel.strip_suffix(".part")
            && remote_files.contains(base)
        {
            continue;
        }
        if options.dry_run {
            summary.planned.push(format!("delete {rel}"));
            continue;
        }
        let path = local_path(target, rel);
        let result = match item.kind {
            Kind::Dir => std::fs::remove_dir(&path),
            // A link is removed itself, never what it points to.
            Kind::File | Kind::Link => std::fs::remove_file(&path),
        };
        match result {
            Ok(()) => summary.deleted += 1,
            // A directory still holding excluded files stays.
            Err(_) if item.kind == Kind::Dir => {}
            Err(e) => summary.failed.push(Problem {
                path: rel.clone(),
                message: format!("cannot delete: {e}"),
            }),
        }
    }
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
    let filter = Filter {
        include: &options.include,
        exclude: &options.exclude,
    };
    let source = local.canonicalize().map_err(Error::Io)?;
    let local_tree =
        scan_local(&source, options.follow_symlinks, &filter, &mut summary).map_err(Error::Io)?;
    if session.is_none() {
        *session = Some(connect()?);
    }
    let ftp = session.as_mut().ok_or(Error::SessionClosed)?;
    let home = ftp.pwd()?;
    let root = if remote.starts_with('/') {
        remote.to_string()
    } else {
        remote_path(&home, remote)
    };
    let mfmt = ftp
        .feat()
        .is_ok_and(|f| f.iter().any(|l| l.trim().eq_ignore_ascii_case("MFMT")));
    // The remote root: made when missing.
    let remote_tree = match ftp.cwd(&root) {
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

    for rel in local_tree
        .iter()
        .filter(|(_, i)| i.kind == Kind::Dir)
        .map(|(k, _)| k)
    {
        match remote_tree.get(rel).map(|i| &i.kind) {
            Some(Kind::Dir) => continue,
            Some(_) => {
                summary.failed.push(Problem {
                    path: rel.clone(),
                    message: "a remote file stands where the directory goes".into(),
                });
                continue;
            }
            None => {}
        }
        if options.dry_run {
            summary.planned.push(format!("mkdir {rel}"));
            continue;
        }
        match ftp.mkd(&remote_path(&root, rel)) {
            Ok(_) => summary.dirs_created += 1,
            Err(e) if connection_lost(&e) => return Err(e),
            Err(e) => summary.failed.push(Problem {
                path: rel.clone(),
                message: format!("cannot create the directory: {e}"),
            }),
        }
    }

    let mut jobs = VecDeque::new();
    for (rel, item) in &local_tree {
        match item.kind {
            Kind::Dir => continue,
            Kind::Link => {
                summary.skipped += 1;
                continue;
            }
            Kind::File => {}
        }
        if !filter.takes_file(rel) {
            continue;
        }
        match remote_tree.get(rel) {
            Some(r) if r.kind == Kind::Dir => {
                summary.failed.push(Problem {
                    path: rel.clone(),
                    message: "a remote directory stands where the file goes".into(),
                });
                continue;
            }
            Some(r) if options.only_newer && r.size == item.size => {
                let remote_time = match r.mtime {
                    Some(t) => Some(t),
                    None => ftp
                        .mdtm(&remote_path(&root, rel))
                        .ok()
                        .map(|t| t.unix_seconds()),
                };
                if remote_time.is_none_or(|rt| item.mtime.is_none_or(|lt| rt >= lt)) {
                    summary.skipped += 1;
                    continue;
                }
            }
            _ => {}
        }
        if options.dry_run {
            summary.planned.push(format!("put {rel}"));
            continue;
        }
        jobs.push_back(Job {
            rel: rel.clone(),
            size: item.size,
            mtime: item.mtime,
            resume: false,
        });
    }

    if options.delete {
        for (rel, item) in vanished(&local_tree, &remote_tree, options) {
            if options.dry_run {
                summary.planned.push(format!("delete {rel}"));
                continue;
            }
            let path = remote_path(&root, rel);
            let result = match item.kind {
                Kind::Dir => ftp.rmd(&path),
                _ => ftp.delete(&path),
            };
            match result {
                Ok(_) => summary.deleted += 1,
                Err(e) if connection_lost(&e) => return Err(e),
                Err(_) if item.kind == Kind::Dir => {}
                Err(e) => summary.failed.push(Problem {
                    path: rel.clone(),
                    message: format!("cannot delete: {e}"),
                }),
            }
        }
    }

    let jobs = if options.parallel > 1 {
        interleave(jobs)
    } else {
        jobs
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for bad in [
            &b""[..],
            b".",
            b"..",
            b"../evil",
            b"a/../../b",
            b"/etc/passwd",
            b"a\\b",
            b"a\0b",
            b"a\nb",
            b"\xff",
        ] {
            assert!(unsafe_name(bad).is_some(), "{bad:?}");
        }
        for good in ["a", "a b", "é", "日本", ".hidden", "..x", "x.."] {
            assert_eq!(unsafe_name(good.as_bytes()), None, "{good}");
        }
    }

    #[test]
    fn paths() {
        assert_eq!(remote_path("/", ""), "/");
        assert_eq!(remote_path("/", "a/b"), "/a/b");
        assert_eq!(remote_path("/pub/", "a"), "/pub/a");
        assert_eq!(remote_path("/pub", ""), "/pub");
        assert_eq!(local_path(Path::new("/t"), "a/b"), Path::new("/t/a/b"));
        let f = Filter {
            include: &[],
            exclude: &["*.tmp".into(), "cache/*".into()],
        };
        assert!(f.excluded("x/y.tmp") && f.excluded("cache/z") && !f.excluded("a/cache/z"));
        let inc = ["*.log".to_string()];
        let f = Filter {
            include: &inc,
            exclude: &[],
        };
        assert!(f.takes_file("a/b.log") && !f.takes_file("a/b.txt"));
    }
}
