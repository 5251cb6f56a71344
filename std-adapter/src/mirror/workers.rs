//! The transfers: N workers, each on its own connection, taking jobs from
//! one queue interleaved over directories; retries on fresh connections,
//! fewer workers when the server caps connections, a stop when the target
//! is full.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use super::{MirrorProgress, Problem, Summary};
use crate::Error;

/// The errors after which the session cannot go on.
pub(crate) fn connection_lost(e: &Error) -> bool {
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

pub(crate) fn worth_retrying(e: &Error) -> bool {
    (connection_lost(e) || matches!(e, Error::Temporary(_))) && !storage_full(e)
}

/// A refusal to connect or log in because the server caps connections
/// per client (`421 Too many connections`, lftp#335; some servers say it
/// with 530 at login): another connection is no use while the others
/// are open.
pub(crate) fn too_many_connections(e: &Error) -> bool {
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
pub(crate) fn storage_full(e: &Error) -> bool {
    match e {
        Error::Temporary(r) => r.code().get() == 452,
        Error::Permanent(r) => r.code().get() == 552,
        // The local disk: a download's file (named), or another write.
        Error::Io(io) | Error::Callback(io) | Error::Local { source: io, .. } => matches!(
            io.kind(),
            std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
        ),
        _ => false,
    }
}

/// What a worker's transfer of one file did.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Done {
    /// Bytes moved.
    pub(crate) bytes: u64,
    /// The checksums were compared and agree.
    pub(crate) verified: bool,
}

/// A file to transfer.
#[derive(Clone, Debug)]
pub(crate) struct Job {
    pub(crate) rel: String,
    pub(crate) size: Option<u64>,
    pub(crate) mtime: Option<i64>,
    /// A `.part` file to continue exists.
    pub(crate) resume: bool,
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
pub(crate) struct Shared<'a> {
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

impl<'a> Shared<'a> {
    /// The state of `workers` workers about to take `jobs` (interleaved
    /// over directories when there are several workers).
    pub(crate) fn new(
        workers: usize,
        jobs: VecDeque<Job>,
        summary: Summary,
        progress: &'a (dyn Fn(MirrorProgress) + Sync),
    ) -> Self {
        let jobs = if workers > 1 { interleave(jobs) } else { jobs };
        Shared {
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
        }
    }

    /// A worker starts with a session (or made its first one).
    pub(crate) fn connected(&self) {
        self.connected.fetch_add(1, Ordering::Relaxed);
    }

    /// A worker ran out of jobs: it no longer counts for `retire`.
    pub(crate) fn done(&self) {
        self.active.fetch_sub(1, Ordering::AcqRel);
    }

    /// Jobs given back by a worker that retired just as the others ran
    /// out of work are left: the caller's session, alone (it cannot
    /// retire), takes them.
    pub(crate) fn leftover(&self) -> bool {
        let left = !self
            .jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .is_empty();
        if left {
            self.active.store(1, Ordering::Release);
        }
        left
    }

    /// New bytes of the file whose progress so far `counted` holds (a
    /// retry resumes, so only what goes beyond is new).
    pub(crate) fn add_bytes(&self, counted: &AtomicU64, done: u64) {
        let before = counted.fetch_max(done, Ordering::Relaxed);
        self.bytes_done
            .fetch_add(done.saturating_sub(before), Ordering::Relaxed);
        self.report();
    }

    /// The summary of the run.
    pub(crate) fn into_summary(self) -> Summary {
        let connections = self.connected.load(Ordering::Relaxed);
        let mut summary = self.summary.into_inner().unwrap_or_else(|e| e.into_inner());
        summary.connections = connections;
        summary
    }
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

    pub(crate) fn next(&self) -> Option<Job> {
        if self.full.load(Ordering::Relaxed) {
            return None;
        }
        self.jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .pop_front()
    }

    /// A job given back by a worker that retires: the next one takes it.
    pub(crate) fn give_back(&self, job: Job) {
        self.jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push_front(job);
    }

    /// Retires a worker when another one is still running; false for the
    /// last, which must carry on.
    pub(crate) fn retire(&self) -> bool {
        self.active
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n > 1).then(|| n - 1)
            })
            .is_ok()
    }

    /// The target is full: stop starting transfers, say so once, and list
    /// what was not tried.
    pub(crate) fn stop_full(&self, e: &Error) {
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

    pub(crate) fn finish(&self, job: &Job, result: Result<Done, Error>) {
        let mut summary = self.summary.lock().unwrap_or_else(|e| e.into_inner());
        match result {
            Ok(done) => {
                summary.files += 1;
                summary.bytes += done.bytes;
                summary.verified += u64::from(done.verified);
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

#[cfg(test)]
mod tests {
    use super::*;
    use ftp_core::{Code, Reply, ReplyError};

    fn reply(code: u16, text: &str) -> ReplyError {
        ReplyError::from_reply(&Reply::new(
            Code::new(code).unwrap(),
            text.as_bytes(),
            false,
        ))
    }

    #[test]
    fn a_connection_limit_is_told_from_other_refusals() {
        assert!(too_many_connections(&Error::Temporary(reply(
            421,
            "421 Too many connections"
        ))));
        assert!(too_many_connections(&Error::Permanent(reply(
            530,
            "530 Sorry, the maximum number of clients (2) from your host are already connected."
        ))));
        assert!(!too_many_connections(&Error::Permanent(reply(
            530,
            "530 Login incorrect."
        ))));
        assert!(!too_many_connections(&Error::Io(std::io::Error::other(
            "reset"
        ))));
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
            assert!(storage_full(e) && !worth_retrying(e), "{e:?}");
        }
        let passing = Error::Temporary(reply(450, "450 busy"));
        assert!(!storage_full(&passing) && worth_retrying(&passing));
    }
}
