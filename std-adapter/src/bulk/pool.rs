// The session pool of bulk work, written once for both runtimes: the
// function that opens a session, the sessions kept between jobs, and the
// jobs (mirrors both ways, segmented downloads) that run on them with the
// crew's policy (`crew.rs`, `seat.rs`).

use std::path::Path;

use super::Connect;
use super::bisync;
use super::client::Ftp;
use super::mirror::{mirror_in, mirror_up_in};
use super::rt;
use super::segments::download_segmented_in;
use crate::Error;
use crate::bulk::mirror::{MirrorOptions, MirrorProgress, Summary};
use crate::files::{Progress, Segmented, Transferred};

/// The sessions a bulk job starts with and leaves behind: the first (it
/// lists the root, asks the size, does what takes one session) and spare
/// ones already logged in.
#[derive(Default)]
pub(crate) struct Sessions {
    pub(crate) first: Option<Ftp>,
    pub(crate) spare: Vec<Ftp>,
}

impl Sessions {
    /// A job's sessions when the caller gives one (or none).
    pub(crate) fn of(first: Option<Ftp>) -> Self {
        Sessions {
            first,
            spare: Vec::new(),
        }
    }

    /// The sessions of `n` workers besides the first: the kept ones, then
    /// `opened` (logged in while the job looked around), then `None`s
    /// (each such worker connects its own). Sessions beyond `n` stay.
    pub(crate) fn take_spare(&mut self, n: usize, opened: Vec<Option<Ftp>>) -> Vec<Option<Ftp>> {
        let mut workers: Vec<Option<Ftp>> = Vec::with_capacity(n);
        while workers.len() < n {
            match self.spare.pop() {
                Some(ftp) => workers.push(Some(ftp)),
                None => break,
            }
        }
        for ftp in opened {
            match ftp {
                Some(ftp) if workers.len() >= n => self.spare.push(ftp),
                other if workers.len() < n => workers.push(other),
                _ => {}
            }
        }
        workers.resize_with(n, || None);
        workers
    }

    /// What the workers left: the first's session first, the others
    /// spare.
    pub(crate) fn keep(&mut self, left: Vec<Option<Ftp>>) {
        let mut left = left.into_iter();
        self.first = left.next().flatten();
        self.spare.extend(left.flatten());
    }
}

/// Sessions for bulk work: the function that opens one (connects and
/// logs in), up to `size` sessions, kept logged in between jobs, and the
/// policy every job follows: a session is opened when a worker needs one;
/// a worker the server refuses because it caps connections (`421 Too
/// many connections`) retires and leaves its work to the others; a task
/// that fails for a passing reason is retried (on a fresh connection when
/// the old one was lost); a full target stops a mirror.
///
/// Each job runs on up to the smaller of its own parallelism
/// ([`MirrorOptions::parallel`], [`Segmented::segments`]) and the pool's
/// `size` sessions.
///
/// ```no_run
/// use ftp_std::{MirrorOptions, Options, Pool, Url};
///
/// let url = Url::parse("ftp://ftp.example.com/")?;
/// let mut pool = Pool::open(&url, &Options::default(), 4);
/// let options = MirrorOptions::default().parallel(4);
/// let summary = pool.mirror("pub/debian", "debian".as_ref(), &options, &|_| {})?;
/// // The same four sessions, still logged in, fetch a big file in ranges.
/// let how = ftp_std::Segmented::default().segments(4);
/// pool.download_segmented("pub/big.iso", "big.iso".as_ref(), &how, &|_| {})?;
/// # Ok::<(), ftp_std::Error>(())
/// ```
pub struct Pool<C> {
    connect: C,
    size: usize,
    sessions: Sessions,
}

#[bisync]
impl<C: Connect> Pool<C> {
    /// A pool of up to `size` sessions (1 to 64), each opened with
    /// `connect` when a job needs it.
    pub fn new(connect: C, size: usize) -> Self {
        Pool {
            connect,
            size: size.clamp(1, 64),
            sessions: Sessions::default(),
        }
    }

    /// Adds a session the caller opened (the next job's first).
    pub fn with_session(mut self, ftp: Ftp) -> Self {
        self.give(ftp);
        self
    }

    /// Gives the pool a session to keep (beyond `size`, it is closed).
    pub fn give(&mut self, ftp: Ftp) {
        if self.held() >= self.size {
            return;
        }
        match self.sessions.first {
            None => self.sessions.first = Some(ftp),
            Some(_) => self.sessions.spare.push(ftp),
        }
    }

    /// Takes a session out of the pool (the first job's first), when it
    /// holds one.
    pub fn take(&mut self) -> Option<Ftp> {
        self.sessions
            .first
            .take()
            .or_else(|| self.sessions.spare.pop())
    }

    /// How many sessions it may open at once.
    pub fn size(&self) -> usize {
        self.size
    }

    /// How many sessions it holds now.
    pub fn held(&self) -> usize {
        usize::from(self.sessions.first.is_some()) + self.sessions.spare.len()
    }

    /// [`crate::mirror`] on this pool: the remote tree `remote` into the
    /// local directory `local`.
    pub async fn mirror(
        &mut self,
        remote: &str,
        local: &Path,
        options: &MirrorOptions,
        progress: &(dyn Fn(MirrorProgress) + Sync),
    ) -> Result<Summary, Error> {
        let options = self.capped(options);
        let result = rt::boxed(mirror_in(
            &mut self.sessions,
            &self.connect,
            remote,
            local,
            &options,
            progress,
        ))
        .await;
        self.trim();
        result
    }

    /// [`crate::mirror_up`] on this pool: the local directory `local` into
    /// the remote directory `remote`.
    pub async fn mirror_up(
        &mut self,
        local: &Path,
        remote: &str,
        options: &MirrorOptions,
        progress: &(dyn Fn(MirrorProgress) + Sync),
    ) -> Result<Summary, Error> {
        let options = self.capped(options);
        let result = rt::boxed(mirror_up_in(
            &mut self.sessions,
            &self.connect,
            local,
            remote,
            &options,
            progress,
        ))
        .await;
        self.trim();
        result
    }

    /// [`crate::download_segmented`] on this pool: `remote` to `local` in
    /// ranges over up to `how.segments` of its sessions.
    pub async fn download_segmented(
        &mut self,
        remote: &str,
        local: &Path,
        how: &Segmented,
        progress: &(dyn Fn(Progress) + Sync),
    ) -> Result<Transferred, Error> {
        let how = how.clone().segments(how.segments.min(self.size));
        let result = rt::boxed(download_segmented_in(
            &mut self.sessions,
            &self.connect,
            remote,
            local,
            &how,
            progress,
        ))
        .await;
        self.trim();
        result
    }

    fn capped(&self, options: &MirrorOptions) -> MirrorOptions {
        options
            .clone()
            .parallel(options.parallel.clamp(1, self.size))
    }

    /// Sessions beyond the size are closed.
    fn trim(&mut self) {
        let room = self.size - usize::from(self.sessions.first.is_some());
        self.sessions.spare.truncate(room);
    }
}

impl Pool<crate::UrlConnect> {
    /// A pool of up to `size` sessions to `url` with `options`.
    pub fn open(url: &crate::Url, options: &crate::Options, size: usize) -> Self {
        Pool::new(crate::UrlConnect::new(url, options), size)
    }
}
