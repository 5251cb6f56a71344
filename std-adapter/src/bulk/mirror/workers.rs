//! The workers' shared state: N workers, each on its own connection,
//! taking tasks from one queue (directories to list, then files
//! interleaved over directories); retries on fresh connections, fewer
//! workers when the server caps connections, a stop when the target is
//! full.

use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::{MirrorProgress, Problem, Summary};
use crate::Error;
use crate::bulk::crew::Crew;

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

/// What a worker does next: list a remote directory (a download's scan
/// runs on the workers, so transfers start with the first directory
/// listed) or transfer a file.
#[derive(Clone, Debug)]
pub(crate) enum Task {
    /// A directory to list, from the tree's root (`""` is the root).
    List(String),
    /// A file to transfer.
    Fetch(Job),
}

/// What [`Shared::next`] hands a worker.
pub(crate) enum Next {
    Task(Task),
    /// Nothing yet, but listings under way may bring work: ask again soon.
    Wait,
    /// Nothing left.
    Done,
}

/// The work not yet taken: directories to list first (each brings more
/// work, and connections idle until the scan has found some), then files
/// round-robin over their directories when several workers run, so they
/// create files in different directories (file systems serialize the
/// changes of one directory).
#[derive(Default)]
struct Queue {
    lists: VecDeque<String>,
    files: VecDeque<VecDeque<Job>>,
    /// Listings taken and not yet finished.
    listing: usize,
    interleave: bool,
    /// How many workers may list at once while files wait: half of them
    /// (at least one), so transfers start with the first directory and
    /// the scan still runs on several connections.
    listers: usize,
}

impl Queue {
    fn push_files(&mut self, jobs: Vec<Job>) {
        if jobs.is_empty() {
            return;
        }
        let mut by_dir: BTreeMap<String, VecDeque<Job>> = BTreeMap::new();
        for job in jobs {
            let dir = if self.interleave {
                job.rel.rsplit_once('/').map_or("", |(d, _)| d).to_string()
            } else {
                String::new()
            };
            by_dir.entry(dir).or_default().push_back(job);
        }
        if self.interleave {
            self.files.extend(by_dir.into_values());
        } else {
            // One worker: tree order.
            let one = by_dir.into_values().flatten();
            match self.files.front_mut() {
                Some(q) => q.extend(one),
                None => self.files.push_back(one.collect()),
            }
        }
    }

    fn pop_file(&mut self) -> Option<Job> {
        let mut q = self.files.pop_front()?;
        let job = q.pop_front();
        if !q.is_empty() {
            self.files.push_back(q);
        }
        job.or_else(|| self.pop_file())
    }

    fn is_empty(&self) -> bool {
        self.lists.is_empty() && self.files.iter().all(VecDeque::is_empty)
    }

    fn drain(&mut self) -> (Vec<String>, Vec<Job>) {
        let lists = self.lists.drain(..).collect();
        let files = self.files.drain(..).flatten().collect();
        (lists, files)
    }
}

/// What a listing found, for [`Shared::listed`].
#[derive(Default)]
pub(crate) struct Found {
    /// Subdirectories to list.
    pub(crate) lists: Vec<String>,
    /// Files to transfer.
    pub(crate) jobs: Vec<Job>,
    pub(crate) skipped: u64,
    pub(crate) dirs_created: u64,
    pub(crate) failed: Vec<Problem>,
    pub(crate) refused: Vec<Problem>,
}

/// Shared counters and results of the workers.
pub(crate) struct Shared<'a> {
    queue: Mutex<Queue>,
    summary: Mutex<Summary>,
    files_done: AtomicU64,
    bytes_done: AtomicU64,
    files_total: AtomicU64,
    bytes_total: AtomicU64,
    progress: &'a (dyn Fn(MirrorProgress) + Sync),
    /// The workers' policy (retries, retiring, a full target) and count.
    crew: Crew,
    /// Set when the run stops (the target is full, the tree too big, the
    /// root cannot be listed): no new task starts.
    stopped: AtomicBool,
    /// Why the root could not be listed: the mirror's error.
    root_error: Mutex<Option<Error>>,
    /// Listings are queued or under way (kept by [`Queued`]): progress
    /// reports read it without taking the queue's lock.
    scanning: AtomicBool,
}

/// The queue, locked; on release it notes whether the scan goes on.
struct Queued<'s> {
    queue: std::sync::MutexGuard<'s, Queue>,
    scanning: &'s AtomicBool,
}

impl std::ops::Deref for Queued<'_> {
    type Target = Queue;
    fn deref(&self) -> &Queue {
        &self.queue
    }
}

impl std::ops::DerefMut for Queued<'_> {
    fn deref_mut(&mut self) -> &mut Queue {
        &mut self.queue
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        let scanning = self.queue.listing > 0 || !self.queue.lists.is_empty();
        self.scanning.store(scanning, Ordering::Relaxed);
    }
}

impl<'a> Shared<'a> {
    /// The state of `workers` workers about to take `tasks` (files
    /// interleaved over directories when there are several workers).
    pub(crate) fn new(
        workers: usize,
        tasks: Vec<Task>,
        summary: Summary,
        progress: &'a (dyn Fn(MirrorProgress) + Sync),
        crew: Crew,
    ) -> Self {
        let mut queue = Queue {
            interleave: workers > 1,
            listers: (workers / 2).max(1),
            ..Queue::default()
        };
        let mut jobs = Vec::new();
        for task in tasks {
            match task {
                Task::List(dir) => queue.lists.push_back(dir),
                Task::Fetch(job) => jobs.push(job),
            }
        }
        let shared = Shared {
            queue: Mutex::new(Queue::default()),
            summary: Mutex::new(summary),
            files_done: AtomicU64::new(0),
            bytes_done: AtomicU64::new(0),
            files_total: AtomicU64::new(0),
            bytes_total: AtomicU64::new(0),
            progress,
            crew,
            stopped: AtomicBool::new(false),
            root_error: Mutex::new(None),
            scanning: AtomicBool::new(false),
        };
        shared.count(&jobs);
        queue.push_files(jobs);
        *shared.queue() = queue;
        shared
    }

    /// The workers' policy and count.
    pub(crate) fn crew(&self) -> &Crew {
        &self.crew
    }

    /// Work given back by a worker that retired just as the others ran
    /// out is left: the caller's session, alone, takes it.
    pub(crate) fn leftover(&self) -> bool {
        !self.queue().is_empty() && !self.stopped.load(Ordering::Acquire)
    }

    /// New bytes of the file whose progress so far `counted` holds (a
    /// retry resumes, so only what goes beyond is new).
    pub(crate) fn add_bytes(&self, counted: &AtomicU64, done: u64) {
        let before = counted.fetch_max(done, Ordering::Relaxed);
        self.bytes_done
            .fetch_add(done.saturating_sub(before), Ordering::Relaxed);
        self.report();
    }

    /// The summary of the run, or the error that stopped it at its root.
    pub(crate) fn into_summary(self) -> Result<Summary, Error> {
        if let Some(e) = self
            .root_error
            .into_inner()
            .unwrap_or_else(|e| e.into_inner())
        {
            return Err(e);
        }
        let connections = self.crew.connections();
        let mut summary = self.summary.into_inner().unwrap_or_else(|e| e.into_inner());
        summary.connections = connections;
        Ok(summary)
    }
}

impl<'a> Shared<'a> {
    fn queue(&self) -> Queued<'_> {
        Queued {
            queue: self.queue.lock().unwrap_or_else(|e| e.into_inner()),
            scanning: &self.scanning,
        }
    }

    fn summary(&self) -> std::sync::MutexGuard<'_, Summary> {
        self.summary.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn count(&self, jobs: &[Job]) {
        self.files_total
            .fetch_add(jobs.len() as u64, Ordering::Relaxed);
        self.bytes_total
            .fetch_add(jobs.iter().filter_map(|j| j.size).sum(), Ordering::Relaxed);
    }

    fn report(&self) {
        let scanning = self.scanning.load(Ordering::Relaxed);
        (self.progress)(MirrorProgress {
            files_done: self.files_done.load(Ordering::Relaxed),
            files_total: self.files_total.load(Ordering::Relaxed),
            bytes_done: self.bytes_done.load(Ordering::Relaxed),
            bytes_total: self.bytes_total.load(Ordering::Relaxed),
            scanning,
        });
    }

    pub(crate) fn next(&self) -> Next {
        if self.stopped.load(Ordering::Acquire) {
            return Next::Done;
        }
        let mut q = self.queue();
        if (q.listing < q.listers || q.files.is_empty())
            && let Some(dir) = q.lists.pop_front()
        {
            q.listing += 1;
            return Next::Task(Task::List(dir));
        }
        if let Some(job) = q.pop_file() {
            return Next::Task(Task::Fetch(job));
        }
        if q.listing > 0 {
            Next::Wait
        } else {
            Next::Done
        }
    }

    /// Work given back by a worker that retires: the next one takes it.
    pub(crate) fn give_back(&self, task: Task) {
        let mut q = self.queue();
        match task {
            Task::List(dir) => {
                q.listing = q.listing.saturating_sub(1);
                q.lists.push_front(dir);
            }
            Task::Fetch(job) => q.files.push_front(VecDeque::from([job])),
        }
    }

    /// The target is full: stop starting transfers, say so once, and list
    /// what was not tried.
    pub(crate) fn stop_full(&self, e: &Error) {
        self.stop(format!("no room left on the target: {e}"));
    }

    /// Stops the run for `reason`: said once, and what was not tried is
    /// listed (files, and directories not listed).
    pub(crate) fn stop(&self, reason: String) {
        if self.stopped.swap(true, Ordering::AcqRel) {
            return;
        }
        log::warn!("mirror stopped: {reason}");
        let (lists, jobs) = self.queue().drain();
        let mut summary = self.summary();
        summary.failed.extend(lists.into_iter().map(|dir| Problem {
            path: dir,
            message: format!("not listed: {reason}"),
        }));
        summary.failed.extend(jobs.iter().map(|job| Problem {
            path: job.rel.clone(),
            message: format!("not tried: {reason}"),
        }));
        summary.stopped = Some(reason);
        drop(summary);
        self.files_done
            .fetch_add(jobs.len() as u64, Ordering::Relaxed);
        self.report();
    }

    /// A listing's result: its directories and files join the queue (or
    /// the list of what was not tried, when the run has stopped), the rest
    /// the summary.
    pub(crate) fn listed(&self, found: Found) {
        let Found {
            lists,
            jobs,
            skipped,
            dirs_created,
            mut failed,
            mut refused,
        } = found;
        let stopped = self.stopped.load(Ordering::Acquire);
        let mut summary = self.summary();
        summary.skipped += skipped;
        summary.dirs_created += dirs_created;
        summary.failed.append(&mut failed);
        summary.refused.append(&mut refused);
        if stopped {
            let reason = summary.stopped.clone().unwrap_or_default();
            summary.failed.extend(jobs.iter().map(|job| Problem {
                path: job.rel.clone(),
                message: format!("not tried: {reason}"),
            }));
        }
        drop(summary);
        let mut q = self.queue();
        q.listing = q.listing.saturating_sub(1);
        if !stopped {
            self.count(&jobs);
            q.lists.extend(lists);
            q.push_files(jobs);
        }
        drop(q);
        self.report();
    }

    /// A directory that could not be listed: reported, and the run goes
    /// on; the root's failure is the mirror's error, and stops it.
    pub(crate) fn unlisted(&self, dir: &str, e: Error) {
        if dir.is_empty() {
            *self.root_error.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
            self.stopped.store(true, Ordering::Release);
        } else {
            self.summary().failed.push(Problem {
                path: dir.to_string(),
                message: format!("cannot list: {e}"),
            });
        }
        let mut q = self.queue();
        q.listing = q.listing.saturating_sub(1);
    }

    /// A guard for one task: a worker that unwinds (a panic) stops the
    /// run, so the others do not wait for a listing that never ends; the
    /// panic then reaches the caller.
    pub(crate) fn watch(&self) -> Watch<'_, 'a> {
        Watch(self)
    }

    /// The run stopped before its end (the summary says why), or its
    /// root could not be listed.
    pub(crate) fn has_stopped(&self) -> bool {
        self.stopped.load(Ordering::Acquire)
    }

    pub(crate) fn finish(&self, job: &Job, result: Result<Done, Error>) {
        let mut summary = self.summary();
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

/// See [`Shared::watch`].
pub(crate) struct Watch<'s, 'a>(&'s Shared<'a>);

impl Drop for Watch<'_, '_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.stopped.store(true, Ordering::Release);
            self.0.queue().listing = 0;
        }
    }
}
