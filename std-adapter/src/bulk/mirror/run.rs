// The mirror's I/O for both twins: the remote scan, the run of the plan
// (directories, deletions) and the workers. What to do is decided by
// `crate::bulk::mirror::plan`, shared and pure; the names are checked by
// `crate::bulk::mirror::names`.

use std::collections::{BTreeSet, VecDeque};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant, UNIX_EPOCH};

use ftp_core::Timestamp;
use ftp_core::list::{ListKind, ListParser};
use crate::session::listed_seconds;
use ftp_core::mlsd::EntryKind;

use super::Connect;
use super::bisync;
use super::client::Ftp;
use super::pool::Sessions;
use super::rt::{self, fs};
use super::seat::{Refused, Seat, connect_quietly};
use super::transfer::Flow;
use crate::Error;
use crate::bulk::crew::{Crew, Verdict};
use crate::bulk::mirror::names::{
    Filter, drop_unencodable, join, listable, local_name, local_path, remote_path, unsafe_name,
};
use crate::bulk::mirror::plan::{
    Direction, keep_unlisted, plan, plan_entries, times_wanted, vanished,
};
use crate::bulk::mirror::scan::{
    Item, Kind, MAX_DEPTH, MAX_ENTRIES, Tree, Zone, apply_zone, scan_local_owned,
    zone_probes,
};
use crate::bulk::mirror::workers::{Done, Found, Job, Next, Shared, Task};
use crate::bulk::mirror::{MirrorOptions, MirrorProgress, Problem, Summary, take_plan};
use crate::encoding::shown;

/// Mirrors the remote tree `remote` into the local directory `local`.
///
/// `session` lists the root and is the first worker (connected with
/// `connect` when `None`; replaced by a fresh session when its connection
/// dies); `connect` makes the other workers' sessions, each connected and
/// logged in (a closure: `|| -> Result<Ftp, Error>` blocking, `|| async
/// { .. }` on tokio; see [`Connect`]). The workers list the tree and
/// download at once: a directory's files start as soon as it is listed
/// ([`MirrorProgress::scanning`] says the totals still grow); with
/// [`MirrorOptions::delete`], deletions come at the end, and nothing under
/// a directory that could not be listed is deleted. The remote path is
/// taken from the session's current directory when it is relative; the
/// session's directory is restored at the end. An error is returned only
/// when the remote root cannot be listed or the local target cannot be
/// made; files (and directories) that fail are in [`Summary::failed`].
///
/// Jobs in a row (mirrors both ways, segmented downloads) can share their
/// sessions, logged in once: [`super::pool::Pool`].
#[bisync]
pub async fn mirror<C>(
    session: &mut Option<Ftp>,
    connect: &C,
    remote: &str,
    local: &Path,
    options: &MirrorOptions,
    progress: &(dyn Fn(MirrorProgress) + Sync),
) -> Result<Summary, Error>
where
    C: Connect,
{
    let mut sessions = Sessions::of(session.take());
    let result = rt::boxed(mirror_in(
        &mut sessions,
        connect,
        remote,
        local,
        options,
        progress,
    ))
    .await;
    *session = sessions.first;
    result
}

/// [`mirror`] on the sessions of a pool: the first lists the root, the
/// spare ones are workers already logged in; what is left goes back.
#[bisync]
pub(crate) async fn mirror_in<C>(
    sessions: &mut Sessions,
    connect: &C,
    remote: &str,
    local: &Path,
    options: &MirrorOptions,
    progress: &(dyn Fn(MirrorProgress) + Sync),
) -> Result<Summary, Error>
where
    C: Connect,
{
    let start = Instant::now();
    let mut summary = Summary::default();
    let (ftp, home, root) = open_root(&mut sessions.first, connect, remote).await?;
    if options.dry_run {
        let mut summary = plan_down(ftp, &root, local, options, summary).await;
        // Back where the caller was, whatever the scan did.
        let _ = ftp.cwd(&home).await;
        if let Ok(s) = &mut summary {
            s.seconds = start.elapsed().as_secs_f64();
        }
        return summary;
    }
    fs::create_dir_all(local)
        .await
        .map_err(|e| Error::local(local, e))?;
    let target = fs::canonicalize(local)
        .await
        .map_err(|e| Error::local(local, e))?;
    let local_tree = rt::unblock({
        let (target, options) = (target.clone(), options.clone());
        move || scan_local_owned(&target, false, &options)
    })
    .await
    .map_err(|e| Error::local(&target, e))?;
    let local_tree = local_tree.into_tree(&mut summary);

    // The workers list the remote tree as they go: the first directory's
    // files start while its subdirectories are being listed, and the
    // other connections log in while the root is.
    let scan = Scan {
        root: &root,
        target: &target,
        filter: Filter::of(options),
        options,
        local: &local_tree,
        mlsd: OnceLock::new(),
        remote: Mutex::new(Tree::new()),
        unlisted: Mutex::new(Vec::new()),
        times: Times::new(&root, options),
        moved: AtomicBool::new(false),
    };
    let work = Work::Down(&scan);
    let tasks = vec![Task::List(String::new())];
    let result = run_workers(
        sessions,
        Vec::new(),
        connect,
        options,
        tasks,
        summary,
        progress,
        &work,
    )
    .await;
    if scan.moved.load(Ordering::Relaxed)
        && let Some(ftp) = &mut sessions.first
    {
        let _ = ftp.cwd(&home).await;
    }
    let mut summary = result?;
    if options.delete && summary.stopped.is_none() {
        let remote_tree = scan.remote.into_inner().unwrap_or_else(|e| e.into_inner());
        let mut gone = vanished(&remote_tree, &local_tree, options);
        keep_unlisted(
            &mut gone,
            &scan
                .unlisted
                .into_inner()
                .unwrap_or_else(|e| e.into_inner()),
        );
        delete_local(&target, &gone, &mut summary).await;
    }
    summary.seconds = start.elapsed().as_secs_f64();
    Ok(summary)
}

/// A dry run of [`mirror`]: the whole remote tree scanned, then planned
/// (nothing is transferred, so nothing is gained by streaming).
#[bisync]
async fn plan_down(
    ftp: &mut Ftp,
    root: &str,
    local: &Path,
    options: &MirrorOptions,
    mut summary: Summary,
) -> Result<Summary, Error> {
    let filter = Filter::of(options);
    let mut unlisted = Vec::new();
    let mut tree = scan_remote(ftp, root, &filter, options.hidden, &mut summary, &mut unlisted)
        .await?;
    let target = match fs::canonicalize(local).await {
        Ok(t) => t,
        Err(_) => local.to_path_buf(),
    };
    let local_tree = rt::unblock({
        let (target, options) = (target.clone(), options.clone());
        move || scan_local_owned(&target, false, &options)
    })
    .await
    .map_err(|e| Error::local(&target, e))?;
    let local_tree = local_tree.into_tree(&mut summary);
    // LIST gives no times: MDTM for the files only_newer must compare.
    Times::new(root, options)
        .complete(ftp, &mut tree, &local_tree, Direction::Down)
        .await?;
    let mut plan = plan(&tree, &local_tree, options, Direction::Down);
    keep_unlisted(&mut plan.delete, &unlisted);
    let _ = take_plan(plan, &mut summary, options, Direction::Down);
    Ok(summary)
}

/// Deletes from the target what the source no longer has (deepest
/// first); a directory still holding excluded files stays.
#[bisync]
async fn delete_local(target: &Path, gone: &[(String, Kind)], summary: &mut Summary) {
    for (rel, kind) in gone {
        let path = local_path(target, rel);
        let result = match kind {
            Kind::Dir => fs::remove_dir(&path).await,
            // A link is removed itself, never what it points to.
            Kind::File | Kind::Link => fs::remove_file(&path).await,
        };
        match result {
            Ok(()) => summary.deleted += 1,
            Err(_) if *kind == Kind::Dir => {}
            Err(e) => summary.failed.push(Problem {
                path: rel.clone(),
                message: format!("cannot delete: {e}"),
            }),
        }
    }
}

/// The remote times a plan needs: LIST times turned into UTC with the
/// server's zone, learnt once for the run (a download's listings share
/// it), and MDTM where a time is still unknown and matters.
struct Times<'a> {
    root: &'a str,
    options: &'a MirrorOptions,
    zone: Mutex<Zone>,
}

#[bisync]
impl<'a> Times<'a> {
    fn new(root: &'a str, options: &'a MirrorOptions) -> Self {
        Times {
            root,
            options,
            zone: Mutex::new(Zone::Unknown(0)),
        }
    }

    /// Completes the remote times of `remote` (a whole tree, or one
    /// listed directory). A LIST server's times are the minute in the
    /// server's zone: with `only_newer`, one MDTM (of a file with a LIST
    /// time) gives the zone for all of them (FileZilla's way, not one
    /// MDTM a file); without, they are not used. Then MDTM for the files
    /// whose time is still unknown and matters (old files list only
    /// their year); a refusal leaves the time unknown.
    async fn complete(
        &self,
        ftp: &mut Ftp,
        remote: &mut Tree,
        local: &Tree,
        direction: Direction,
    ) -> Result<(), Error> {
        // LIST times (also a STAT listing's where MLSD had no data
        // connection): local to the server, to the minute.
        if remote.values().any(|i| i.listed) {
            self.learn_zone(ftp, remote).await?;
        }
        let wanted = match direction {
            Direction::Down => times_wanted(remote, local, self.options, direction),
            Direction::Up => times_wanted(local, remote, self.options, direction),
        };
        for rel in wanted {
            match ftp.mdtm(&remote_path(self.root, &rel)).await {
                Ok(t) => {
                    if let Some(item) = remote.get_mut(&rel) {
                        item.mtime = Some(t.unix_seconds());
                        item.listed = false;
                    }
                }
                Err(e) if e.connection_lost() => return Err(e),
                Err(_) => {}
            }
        }
        Ok(())
    }

    fn zone(&self) -> std::sync::MutexGuard<'_, Zone> {
        self.zone.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Turns the LIST times of `remote` into UTC with the zone one MDTM
    /// tells (learnt once, from up to three files in all), or drops them
    /// when they are not needed or no MDTM answers ([`Zone`]).
    async fn learn_zone(&self, ftp: &mut Ftp, remote: &mut Tree) -> Result<(), Error> {
        if self.options.only_newer && self.zone().unknown() {
            for (rel, listed) in zone_probes(remote) {
                if !self.zone().unknown() {
                    break;
                }
                match ftp.mdtm(&remote_path(self.root, &rel)).await {
                    Ok(t) => {
                        let exact = t.unix_seconds();
                        self.zone().learned(listed, exact);
                        if let Some(item) = remote.get_mut(&rel) {
                            item.mtime = Some(exact);
                            item.listed = false;
                        }
                    }
                    Err(e) if e.connection_lost() => return Err(e),
                    Err(_) => self.zone().refused(),
                }
            }
        }
        let offset = self.zone().offset(self.options.only_newer);
        apply_zone(remote, offset);
        Ok(())
    }
}

/// The remote scan of a download, run by the workers one directory at a
/// time: what the listings found (for the deletions at the end), the
/// directories that could not be listed (nothing under them is deleted),
/// and the server's zone.
struct Scan<'a> {
    root: &'a str,
    target: &'a Path,
    filter: Filter<'a>,
    options: &'a MirrorOptions,
    local: &'a Tree,
    /// MLSD, learnt from FEAT by the first listing.
    mlsd: OnceLock<bool>,
    remote: Mutex<Tree>,
    unlisted: Mutex<Vec<String>>,
    times: Times<'a>,
    /// A listing went through CWD: the caller's directory is restored.
    moved: AtomicBool,
}

#[bisync]
impl Scan<'_> {
    /// Lists the directory `dir` on `ftp` and plans its entries: the
    /// subdirectories made locally (to be listed next), the files to
    /// fetch. Nothing is kept until every step on the network is done,
    /// so a listing that fails on a lost connection can be run again.
    async fn list(&self, ftp: &mut Ftp, dir: &str) -> Result<Found, Error> {
        let mlsd = match self.mlsd.get() {
            Some(m) => *m,
            None => {
                let m = has_mlsd(ftp).await;
                *self.mlsd.get_or_init(|| m)
            }
        };
        let abs = remote_path(self.root, dir);
        // (With MLSD too: a listing over STAT enters such a directory.)
        if !listable(&abs) {
            self.moved.store(true, Ordering::Relaxed);
        }
        let mut found = Found::default();
        // Binary from the start: the listings keep it, so the downloads
        // after them need no TYPE.
        ftp.set_type(ftp_core::TransferType::Binary).await?;
        let hidden = self.options.hidden;
        let entries = list_remote(ftp, &abs, mlsd, hidden, dir, &mut found.refused).await?;
        let mut sub = Tree::new();
        for (name, item) in entries {
            let rel = join(dir, &name);
            if self.filter.excluded(&rel) || sub.contains_key(&rel) {
                continue;
            }
            if item.kind == Kind::Dir && rel.split('/').count() > MAX_DEPTH {
                found.refused.push(Problem {
                    path: rel,
                    message: format!("deeper than {MAX_DEPTH} directories"),
                });
                continue;
            }
            sub.insert(rel, item);
        }
        self.times
            .complete(ftp, &mut sub, self.local, Direction::Down)
            .await?;
        let plan = plan_entries(&sub, self.local, self.options, Direction::Down);
        found.failed = plan.failed;
        found.refused.extend(plan.refused);
        found.skipped = plan.skipped;
        // The subdirectories: made here (a file's directory exists before
        // the file is queued), then listed.
        let mkdir: BTreeSet<&str> = plan.mkdir.iter().map(String::as_str).collect();
        for (rel, item) in &sub {
            if item.kind != Kind::Dir || self.filter.excluded(rel) {
                continue;
            }
            if mkdir.contains(rel.as_str()) {
                match fs::create_dir(local_path(self.target, rel)).await {
                    Ok(()) => found.dirs_created += 1,
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                    Err(e) => {
                        found.failed.push(Problem {
                            path: rel.clone(),
                            message: format!("cannot create the directory: {e}"),
                        });
                        continue;
                    }
                }
            } else if self.local.get(rel).is_none_or(|l| l.kind != Kind::Dir) {
                // A local file stands there (the plan said so).
                continue;
            }
            found.lists.push(rel.clone());
        }
        // A local link on the way must not lead a write elsewhere.
        if !plan.fetch.is_empty() {
            let inside = fs::canonicalize(local_path(self.target, dir))
                .await
                .is_ok_and(|p| p.starts_with(self.target));
            if inside {
                found.jobs = plan.fetch;
            } else {
                found
                    .refused
                    .extend(plan.fetch.into_iter().map(|job| Problem {
                        path: job.rel,
                        message: "the local directory leads outside the target".into(),
                    }));
            }
        }
        let mut remote = self.remote.lock().unwrap_or_else(|e| e.into_inner());
        remote.extend(sub);
        if remote.len() > MAX_ENTRIES {
            return Err(Error::Io(std::io::Error::other(format!(
                "the remote tree has more than {MAX_ENTRIES} entries"
            ))));
        }
        Ok(found)
    }
}

/// How many connections to open beside the caller's while the tree is
/// scanned: the other workers' (none for a dry run).
fn spare_workers(options: &MirrorOptions) -> usize {
    if options.dry_run {
        0
    } else {
        options.parallel.clamp(1, 64) - 1
    }
}

/// The caller's session (connected first when `None`), its current
/// directory, and the remote root: absolute as given, else under that
/// directory.
#[bisync]
async fn open_root<'s, C>(
    session: &'s mut Option<Ftp>,
    connect: &C,
    remote: &str,
) -> Result<(&'s mut Ftp, String, String), Error>
where
    C: Connect,
{
    let ftp = match session {
        Some(ftp) => ftp,
        None => session.insert(connect.connect().await?),
    };
    let home = ftp.pwd().await?;
    let root = if remote.starts_with('/') {
        remote.to_string()
    } else {
        remote_path(&home, remote)
    };
    Ok((ftp, home, root))
}

/// Mirrors the local directory `local` into the remote directory `remote`
/// (made when missing): the same options, in the other direction. Uploads
/// are not resumed (a shorter remote file may be an older version, not a
/// partial one); with `only_newer` a file is skipped when the remote one
/// has its size and is not older. Uploaded files get the local
/// modification time ([`MirrorOptions::keep_time`], on by default).
#[bisync]
pub async fn mirror_up<C>(
    session: &mut Option<Ftp>,
    connect: &C,
    local: &Path,
    remote: &str,
    options: &MirrorOptions,
    progress: &(dyn Fn(MirrorProgress) + Sync),
) -> Result<Summary, Error>
where
    C: Connect,
{
    let mut sessions = Sessions::of(session.take());
    let result = rt::boxed(mirror_up_in(
        &mut sessions,
        connect,
        local,
        remote,
        options,
        progress,
    ))
    .await;
    *session = sessions.first;
    result
}

/// [`mirror_up`] on the sessions of a pool (see [`mirror_in`]).
#[bisync]
pub(crate) async fn mirror_up_in<C>(
    sessions: &mut Sessions,
    connect: &C,
    local: &Path,
    remote: &str,
    options: &MirrorOptions,
    progress: &(dyn Fn(MirrorProgress) + Sync),
) -> Result<Summary, Error>
where
    C: Connect,
{
    let start = Instant::now();
    let mut summary = Summary::default();
    let filter = Filter::of(options);
    let source = fs::canonicalize(local)
        .await
        .map_err(|e| Error::local(local, e))?;
    let local_tree = rt::unblock({
        let (source, options) = (source.clone(), options.clone());
        move || scan_local_owned(&source, options.follow_symlinks, &options)
    })
    .await
    .map_err(|e| Error::local(&source, e))?;
    let mut local_tree = local_tree.into_tree(&mut summary);
    let (ftp, home, root) = open_root(&mut sessions.first, connect, remote).await?;
    drop_unencodable(&mut local_tree, ftp.encoding(), &mut summary.refused);
    // The remote root: made when missing.
    let mut spare = Vec::new();
    let mut remote_tree = match ftp.cwd(&root).await {
        Ok(_) => {
            // The other workers log in while the tree is scanned.
            // A remote directory that cannot be listed: its files are
            // uploaded again (nothing is deleted on the target side).
            let mut unlisted = Vec::new();
            let more = spare_workers(options).saturating_sub(sessions.spare.len());
            let (scanned, opened) = rt::alongside(more, &|| connect_quietly(connect), || {
                scan_remote(ftp, &root, &filter, options.hidden, &mut summary, &mut unlisted)
            })
            .await;
            spare = opened;
            let _ = ftp.cwd(&home).await;
            scanned?
        }
        Err(Error::Permanent(_)) => {
            if options.dry_run {
                summary.planned.push(format!("mkdir {root}"));
            } else {
                ftp.mkd(&root).await?;
                summary.dirs_created += 1;
            }
            Tree::new()
        }
        Err(e) => return Err(e),
    };
    Times::new(&root, options)
        .complete(ftp, &mut remote_tree, &local_tree, Direction::Up)
        .await?;
    let plan = plan(&local_tree, &remote_tree, options, Direction::Up);
    let Some(plan) = take_plan(plan, &mut summary, options, Direction::Up) else {
        summary.seconds = start.elapsed().as_secs_f64();
        return Ok(summary);
    };
    for rel in &plan.mkdir {
        match ftp.mkd(&remote_path(&root, rel)).await {
            Ok(_) => summary.dirs_created += 1,
            Err(e) if e.connection_lost() => return Err(e),
            Err(e) => summary.failed.push(Problem {
                path: rel.clone(),
                message: format!("cannot create the directory: {e}"),
            }),
        }
    }
    for (rel, kind) in &plan.delete {
        let path = remote_path(&root, rel);
        let result = match kind {
            Kind::Dir => ftp.rmd(&path).await,
            _ => ftp.delete(&path).await,
        };
        match result {
            Ok(_) => summary.deleted += 1,
            Err(e) if e.connection_lost() => return Err(e),
            Err(_) if *kind == Kind::Dir => {}
            Err(e) => summary.failed.push(Problem {
                path: rel.clone(),
                message: format!("cannot delete: {e}"),
            }),
        }
    }
    // Interleaved over directories by run_workers, once.
    let jobs = plan.fetch.into_iter().map(Task::Fetch).collect();
    let work = Work::Up {
        source: &source,
        root: &root,
        keep_time: options.keep_time,
        verify: options.verify,
        atomic: options.atomic,
    };
    let mut summary = run_workers(
        sessions, spare, connect, options, jobs, summary, progress, &work,
    )
    .await?;
    summary.seconds = start.elapsed().as_secs_f64();
    Ok(summary)
}

// ----- the remote scan ------------------------------------------------------

/// True when the server announces MLST/MLSD in FEAT.
#[bisync]
async fn has_mlsd(ftp: &mut Ftp) -> bool {
    ftp.features().await.is_ok_and(|f| {
        f.iter()
            .any(|l| l.trim_start().to_ascii_uppercase().starts_with("MLST"))
    })
}

/// Lists one remote directory: (name, item) pairs, unsafe names reported.
#[bisync]
async fn list_remote(
    ftp: &mut Ftp,
    abs: &str,
    mlsd: bool,
    hidden: bool,
    rel_dir: &str,
    refused: &mut Vec<Problem>,
) -> Result<Vec<(String, Item)>, Error> {
    let mut out = Vec::new();
    let encoding = ftp.encoding();
    let mut check = |name: &[u8], item: Item, out: &mut Vec<(String, Item)>| {
        let why = match (unsafe_name(name), local_name(name, encoding)) {
            (None, Ok(local)) => return out.push((local, item)),
            (Some(why), _) => why.to_string(),
            (None, Err(why)) => why,
        };
        refused.push(Problem {
            path: join(rel_dir, &shown(&encoding.decode(name))),
            message: why,
        });
    };
    // Unix, DOS, EPLF and VMS lines (LIST, or STAT when no data
    // connection can be had); a line in no known format is reported,
    // never guessed into an entry.
    let mut lines = ListLines::default();
    let listed = if mlsd {
        ftp.mlsd_each(Some(abs), &[], |e| {
            let kind = match e.kind() {
                EntryKind::File => Kind::File,
                EntryKind::Dir => Kind::Dir,
                EntryKind::Link => Kind::Link,
                // The directory itself and its parent are not entries.
                EntryKind::Cdir | EntryKind::Pdir => return,
                EntryKind::Other(_) | EntryKind::Unknown => Kind::Link,
            };
            let item = Item {
                kind,
                size: e.size(),
                mtime: e.modify().map(|t| t.unix_seconds()),
                listed: false,
            };
            check(e.name, item, &mut out);
        })
        .await
        .map(drop)
    } else {
        // The path with the LIST where no server could misread it (a
        // round trip less), else CWD then a bare LIST: a directory named
        // "-l" is not an option. The slash makes `ls`-based servers list
        // a linked directory's entries, not the link.
        let all = if hidden { "-a " } else { "" };
        let cmd = if listable(abs) {
            let dir = if abs.ends_with('/') {
                abs.to_string()
            } else {
                format!("{abs}/")
            };
            ftp.wire(&format!("LIST {all}{dir}"))?.into_owned()
        } else {
            ftp.cwd(abs).await?;
            if hidden {
                b"LIST -a".to_vec()
            } else {
                b"LIST".to_vec()
            }
        };
        ftp.lines_of(&cmd, Flow::Listing, |line| {
            lines.take(line, &mut |name, item| check(name, item, &mut out));
            Ok(())
        })
        .await
        .map(drop)
        .map_err(Error::from)
    };
    match listed {
        Ok(()) => {}
        // No data connection for the listing (a firewall, a NAT that
        // breaks PASV): the same lines over the control connection.
        Err(e) if e.no_data_connection() && ftp.is_open() => {
            log::warn!("{abs}: {e}; listing it over the control connection (STAT)");
            out.clear();
            lines = ListLines::default();
            // As for LIST: a path STAT could misread is entered first
            // (again after a LIST's CWD: MLSD had none).
            let path = if listable(abs) {
                abs
            } else {
                ftp.cwd(abs).await?;
                "."
            };
            ftp.stat_lines_each(Some(path), hidden, |line| {
                lines.take(line, &mut |name, item| check(name, item, &mut out))
            })
            .await?;
        }
        Err(e) => return Err(e),
    }
    if lines.parser.finish().is_err() {
        lines
            .unknown
            .push("(a name with no columns at the end of the listing)".into());
    }
    for line in lines.unknown {
        refused.push(Problem {
            path: rel_dir.to_string(),
            message: format!("a listing line in no known format: {line:?}"),
        });
    }
    Ok(out)
}

/// The entries of a LIST-style listing, line by line.
struct ListLines {
    parser: ListParser,
    /// Lines in no known format.
    unknown: Vec<String>,
    /// Now, in Unix seconds: the year of a time without one.
    now: i64,
}

impl Default for ListLines {
    fn default() -> Self {
        ListLines {
            parser: ListParser::new(),
            unknown: Vec::new(),
            now: std::time::SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_secs() as i64),
        }
    }
}

impl ListLines {
    /// Gives the entry of `line` (not `.` or `..`) to `found`.
    fn take(&mut self, line: &[u8], found: &mut impl FnMut(&[u8], Item)) {
        match self.parser.line(line) {
            Ok(Some(e)) => {
                let kind = match e.kind {
                    ListKind::File => Kind::File,
                    ListKind::Dir => Kind::Dir,
                    ListKind::Link | ListKind::Other => Kind::Link,
                };
                if e.name != b"." && e.name != b".." || kind != Kind::Dir {
                    let mtime = e.time.as_ref().and_then(|t| listed_seconds(t, self.now));
                    let item = Item {
                        kind,
                        size: e.size,
                        mtime,
                        listed: mtime.is_some(),
                    };
                    found(e.name, item);
                }
            }
            Ok(None) => {}
            Err(_) => self
                .unknown
                .push(String::from_utf8_lossy(line).into_owned()),
        }
    }
}

/// Scans the remote tree under `root` (absolute).
#[bisync]
async fn scan_remote(
    ftp: &mut Ftp,
    root: &str,
    filter: &Filter<'_>,
    hidden: bool,
    summary: &mut Summary,
    unlisted: &mut Vec<String>,
) -> Result<Tree, Error> {
    let mlsd = has_mlsd(ftp).await;
    let mut tree = Tree::new();
    let mut queue = VecDeque::from([String::new()]);
    while let Some(dir) = queue.pop_front() {
        let abs = remote_path(root, &dir);
        let listed = list_remote(ftp, &abs, mlsd, hidden, &dir, &mut summary.refused).await;
        let entries = match listed {
            Ok(e) => e,
            // The root must be listable; a subdirectory that is not is
            // reported and the rest goes on.
            Err(e) if !dir.is_empty() && !e.connection_lost() => {
                summary.failed.push(Problem {
                    path: dir.clone(),
                    message: format!("cannot list: {e}"),
                });
                unlisted.push(dir);
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
    Ok(tree)
}

// ----- the workers ----------------------------------------------------------

/// The time a downloaded file gets. LIST gives no exact time: with
/// only_newer, MDTM before the transfer, so the file gets the server's
/// time while it is still open. Without it the download's own time is kept
/// (newer than the source, so a later only_newer run skips the file): no
/// MDTM per file.
#[bisync]
async fn down_mtime(
    ftp: &mut Ftp,
    remote: &str,
    job: &Job,
    only_newer: bool,
) -> Result<Option<std::time::SystemTime>, Error> {
    let mtime = match job.mtime {
        Some(t) => Some(t),
        None if !only_newer => None,
        None => match ftp.mdtm(remote).await {
            Ok(t) => Some(t.unix_seconds()),
            Err(e) if e.connection_lost() => return Err(e),
            Err(_) => None,
        },
    };
    Ok(mtime
        .and_then(|t| u64::try_from(t).ok())
        .map(|t| UNIX_EPOCH + Duration::from_secs(t)))
}

/// What a worker does with a job: a download into the target, or an
/// upload from the source.
enum Work<'a> {
    /// A download: the scan the workers run (it lists as it goes) holds
    /// the target, the remote root and the options.
    Down(&'a Scan<'a>),
    Up {
        source: &'a Path,
        root: &'a str,
        keep_time: bool,
        verify: crate::Verification,
        atomic: bool,
    },
}

#[bisync]
impl Scan<'_> {
    /// Downloads one file in ranges ([`super::segments::download_segmented`]).
    async fn fetch_in_ranges<C: Connect>(
        &self,
        ftp: &mut Option<Ftp>,
        connect: &C,
        job: &Job,
        options: &MirrorOptions,
        on_bytes: &(dyn Fn(u64) + Sync),
    ) -> Result<Done, Error> {
        let path = local_path(self.target, &job.rel);
        let remote = remote_path(self.root, &job.rel);
        let modified = match ftp {
            Some(f) => down_mtime(f, &remote, job, options.only_newer).await?,
            None => None,
        };
        let how = crate::Segmented::default()
            .segments(options.segments)
            .resume(job.resume)
            .verify(options.verify)
            .size(job.size)
            .modified(modified)
            .min_size(0);
        let done = rt::boxed(super::segments::download_segmented(
            ftp,
            connect,
            &remote,
            &path,
            &how,
            &|p| on_bytes(p.done),
        ))
        .await?;
        Ok(Done {
            bytes: done.bytes,
            verified: done.checksum.is_some(),
        })
    }
}

#[bisync]
impl Work<'_> {
    /// A download big enough to come in ranges over connections of its
    /// own ([`MirrorOptions::segments`]).
    fn segmented(&self, job: &Job, options: &MirrorOptions) -> Option<&Scan<'_>> {
        match self {
            Work::Down(scan)
                if options.segments > 1 && job.size.is_some_and(|s| s >= options.segment_above) =>
            {
                Some(scan)
            }
            _ => None,
        }
    }

    /// Lists one directory of a download's remote tree.
    async fn list(&self, ftp: &mut Ftp, dir: &str) -> Result<Found, Error> {
        match *self {
            Work::Down(scan) => scan.list(ftp, dir).await,
            Work::Up { .. } => Err(Error::Io(std::io::Error::other(
                "only a download lists as it goes",
            ))),
        }
    }

    /// A directory of the scan that could not be listed: nothing under
    /// it is deleted.
    fn unlisted(&self, dir: &str) {
        if let Work::Down(scan) = self {
            scan.unlisted
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(dir.to_string());
        }
    }

    /// Transfers one file.
    async fn run(
        &self,
        ftp: &mut Ftp,
        job: &Job,
        on_bytes: &(dyn Fn(u64) + Sync),
    ) -> Result<Done, Error> {
        match *self {
            Work::Down(scan) => {
                let path = local_path(scan.target, &job.rel);
                let remote = remote_path(scan.root, &job.rel);
                let (only_newer, verify) = (scan.options.only_newer, scan.options.verify);
                let fetch = crate::Fetch {
                    resume: job.resume,
                    // An older, shorter version under the final name is no
                    // partial download.
                    continue_local: false,
                    size: job.size,
                    modified: down_mtime(ftp, &remote, job, only_newer).await?,
                    verify,
                };
                let done = ftp
                    .fetch(&remote, &path, &fetch, |p| on_bytes(p.done))
                    .await?;
                Ok(Done {
                    bytes: done.bytes,
                    verified: done.checksum.is_some(),
                })
            }
            Work::Up {
                source,
                root,
                keep_time,
                verify,
                atomic,
            } => {
                let path = local_path(source, &job.rel);
                let remote = remote_path(root, &job.rel);
                let put = crate::Put::default().verify(verify).atomic(atomic);
                let done = ftp.put(&path, &remote, &put, |p| on_bytes(p.done)).await?;
                if keep_time && let Some(t) = job.mtime.and_then(Timestamp::from_unix_seconds) {
                    // The file is there: a time the server refuses costs
                    // only the next only_newer run's upload.
                    match ftp.set_mtime(&remote, t).await {
                        Err(e) if e.connection_lost() => return Err(e),
                        Err(e) => log::info!("{}: the time was not kept: {e}", job.rel),
                        Ok(_) => {}
                    }
                }
                Ok(Done {
                    bytes: done.bytes,
                    verified: done.checksum.is_some(),
                })
            }
        }
    }
}

/// Runs `work` on every task with `parallel` workers: the first on
/// `session` (connected first when `None`), the others on connections of
/// their own (threads in the blocking twin, futures of one task in the
/// tokio twin); an error only when the root could not be listed.
#[bisync]
#[allow(clippy::too_many_arguments)]
async fn run_workers<C>(
    sessions: &mut Sessions,
    opened: Vec<Option<Ftp>>,
    connect: &C,
    options: &MirrorOptions,
    tasks: Vec<Task>,
    summary: Summary,
    progress: &(dyn Fn(MirrorProgress) + Sync),
    work: &Work<'_>,
) -> Result<Summary, Error>
where
    C: Connect,
{
    let workers = options.parallel.clamp(1, 64);
    // The sessions that logged in already (the pool's, then those opened
    // while the tree was scanned), and workers that will connect their
    // own.
    let spare = sessions.take_spare(workers - 1, opened);
    let crew = Crew::new(options.retries, options.retry_pause, true);
    let state = Shared::new(workers, tasks, summary, progress, crew);
    let shared = &state;
    let left = rt::run_all(sessions.first.take(), spare, |ftp| {
        worker(shared, connect, work, options, ftp)
    })
    .await;
    sessions.keep(left);
    if shared.leftover() {
        sessions.first = worker(shared, connect, work, options, sessions.first.take()).await;
    }
    state.into_summary()
}

/// The longest a worker waits before it asks again for work that
/// listings under way may bring.
const IDLE_MAX: Duration = Duration::from_millis(8);

/// One worker: takes tasks until none are left. A worker without a
/// session logs in first (while the first directories are listed). A
/// task that fails for a passing reason is retried, on a fresh
/// connection when the old one is lost. A worker whose connection the
/// server refuses for its per-client limit gives its task back and
/// retires (unless it is the last one running); a full target stops new
/// transfers.
#[bisync]
async fn worker<C>(
    shared: &Shared<'_>,
    connect: &C,
    work: &Work<'_>,
    options: &MirrorOptions,
    ftp: Option<Ftp>,
) -> Option<Ftp>
where
    C: Connect,
{
    let mut seat = Seat::new(shared.crew(), ftp);
    if !seat.has_session() {
        match seat.session(connect).await {
            Ok(_) => {}
            Err(Refused::Retire(e)) => {
                log::info!(
                    "mirror: the server refused another connection ({e}); going on with fewer"
                );
                return None;
            }
            // Tried again with the first task (and retried there).
            Err(Refused::Failed(e)) => log::info!("mirror: a worker cannot connect yet: {e}"),
        }
    }
    let mut idle = Duration::from_millis(1);
    'tasks: loop {
        let task = match shared.next() {
            Next::Task(task) => task,
            // Bounded: listings end (each step has its timeout).
            Next::Wait => {
                rt::sleep(idle).await;
                idle = (idle * 2).min(IDLE_MAX);
                continue;
            }
            Next::Done => break,
        };
        idle = Duration::from_millis(1);
        let _watch = shared.watch();
        // Bytes of this file counted so far: a retry resumes, so only what
        // goes beyond is new.
        let counted = AtomicU64::new(0);
        let on_bytes = |done: u64| shared.add_bytes(&counted, done);
        let mut attempt = 0;
        let result = loop {
            let segmented = match &task {
                // (Ranges are more connections: none under a limit.)
                Task::Fetch(job) if seat.has_session() && options.rate_limit.is_none() => {
                    work.segmented(job, options).map(|scan| (scan, job))
                }
                _ => None,
            };
            let outcome = if let Some((scan, job)) = segmented {
                let done = scan
                    .fetch_in_ranges(seat.slot(), connect, job, options, &on_bytes)
                    .await
                    .map(Some);
                seat.settle(true);
                done
            } else {
                match seat.session(connect).await {
                    Ok(f) => match &task {
                        Task::Fetch(job) => {
                            // The mirror's limit, shared by its connections,
                            // for this file; the session's own after it.
                            let own = options.rate_limit.clone().map(|l| f.set_rate_limit(Some(l)));
                            let done = work.run(f, job, &on_bytes).await.map(Some);
                            if let Some(own) = own {
                                f.set_rate_limit(own);
                            }
                            done
                        }
                        Task::List(dir) => work.list(f, dir).await.map(|found| {
                            shared.listed(found);
                            None
                        }),
                    },
                    Err(Refused::Retire(e)) => {
                        log::info!(
                            "mirror: the server refused another connection ({e}); going on with fewer"
                        );
                        shared.give_back(task);
                        break 'tasks;
                    }
                    Err(Refused::Failed(e)) => Err(e),
                }
            };
            let e = match outcome {
                Ok(done) => break Ok(done),
                Err(e) => e,
            };
            attempt += 1;
            match seat.failed(&e, attempt) {
                Verdict::Stop => {
                    shared.stop_full(&e);
                    break Err(e);
                }
                Verdict::GiveUp => break Err(e),
                Verdict::Retry if shared.has_stopped() => break Err(e),
                Verdict::Retry => {
                    match &task {
                        Task::Fetch(job) => log::info!("{}: {e}; retrying", job.rel),
                        Task::List(dir) => log::info!("listing {dir:?}: {e}; retrying"),
                    }
                    seat.pause().await;
                }
            }
        };
        match (task, result) {
            (Task::Fetch(job), result) => shared.finish(
                &job,
                result.map(|done| {
                    done.unwrap_or(Done {
                        bytes: 0,
                        verified: false,
                    })
                }),
            ),
            (Task::List(_), Ok(_)) => {}
            (Task::List(dir), Err(e)) => {
                work.unlisted(&dir);
                shared.unlisted(&dir, e);
            }
        }
    }
    seat.into_session()
}
