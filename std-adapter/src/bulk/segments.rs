// Segmented downloads for both twins (lftp's `pget -n`): N connections
// each fetch a range of one file with REST, written at its offset into
// `NAME.part`; the file gets its final name only when every range is
// complete, the size matches and (when asked) the checksum too. Where the
// ranges stand is kept in `NAME.part.segments`, so a resume continues
// each range. A server that refuses REST gets one stream; one that
// refuses more connections gets its ranges done by the connections it
// accepts.

use std::io::SeekFrom;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use super::Connect;
use super::bisync;
use super::client::Ftp;
use super::pool::Sessions;
use super::rt::{self, OpenOptions, Seek as _, Sink as _, fs};
use super::seat::{Refused, Seat, connect_quietly};
use super::transfer::Flow;
use crate::bulk::crew::{Crew, Verdict};
use crate::files::{Fetch, Landing, Progress, Ranges, Segmented, Transferred, part_path};
use crate::{Error, Verification};

/// The state file beside the `.part` file.
fn state_path(part: &Path) -> PathBuf {
    let mut name = part.as_os_str().to_os_string();
    name.push(".segments");
    PathBuf::from(name)
}

/// What the workers of one segmented download share: the ranges and who
/// has which.
struct Ranged<'p> {
    ranges: Mutex<Ranges>,
    /// A range being fetched by a worker.
    taken: Mutex<Vec<bool>>,
    /// The first error of a range that failed for good.
    failed: Mutex<Option<Error>>,
    no_rest: AtomicBool,
    /// Bytes this call moved.
    bytes: AtomicU64,
    state: PathBuf,
    progress: &'p (dyn Fn(Progress) + Sync),
    /// The connections' policy (retries) and count.
    crew: Crew,
}

impl Ranged<'_> {
    /// The next range nobody has and that is not complete.
    /// The next range nobody has. A worker's first take ignores another
    /// range's failure: every connection tries its own range once, so a
    /// cut download leaves each range as far as it got (for the resume),
    /// whichever connection failed first.
    fn take(&self, first: bool) -> Option<usize> {
        if self.no_rest.load(Ordering::SeqCst) || (!first && self.failed.lock().unwrap().is_some())
        {
            return None;
        }
        let ranges = self.ranges.lock().unwrap();
        let mut taken = self.taken.lock().unwrap();
        let i = (0..ranges.ranges.len()).find(|&i| {
            let (start, end, done) = ranges.ranges[i];
            !taken[i] && start + done < end
        })?;
        taken[i] = true;
        Some(i)
    }

    fn give_back(&self, i: usize) {
        self.taken.lock().unwrap()[i] = false;
    }

    /// A range not complete and not taken: a worker that retired left it.
    fn pending(&self) -> bool {
        let ranges = self.ranges.lock().unwrap();
        let taken = self.taken.lock().unwrap();
        ranges
            .ranges
            .iter()
            .zip(taken.iter())
            .any(|((start, end, done), taken)| !taken && start + done < *end)
    }

    /// `n` more bytes of range `i` are in the file.
    fn advance(&self, i: usize, n: u64) {
        self.bytes.fetch_add(n, Ordering::Relaxed);
        // Reported under the lock: connections on threads of their own
        // report in order, so the progress only grows.
        let mut ranges = self.ranges.lock().unwrap();
        ranges.ranges[i].2 += n;
        (self.progress)(Progress {
            done: ranges.done(),
            total: Some(ranges.total),
        });
    }

    fn range(&self, i: usize) -> (u64, u64, u64) {
        self.ranges.lock().unwrap().ranges[i]
    }

    fn fail(&self, e: Error) {
        self.failed.lock().unwrap().get_or_insert(e);
    }

    fn render(&self) -> String {
        self.ranges.lock().unwrap().render()
    }
}

/// Writes where the ranges stand (best effort: a lost state file costs a
/// resume its ranges, not the bytes).
#[bisync]
async fn save(shared: &Ranged<'_>) {
    let text = shared.render();
    let path = shared.state.clone();
    let _ = rt::unblock(move || std::fs::write(&path, text)).await;
}

/// Downloads `remote` to `local` over `how.segments` connections, each
/// fetching a range with REST (lftp's `pget -n`): `session` is the first
/// (connected with `connect` when `None`), `connect` makes the others.
/// The ranges are written at their offsets into `NAME.part`, which gets
/// the final name only when every range is complete and the size (and,
/// with [`Segmented::verify`], the server's checksum) matches. A range
/// that fails for a passing reason is retried on a fresh connection;
/// when one fails for good the `.part` file and `NAME.part.segments`
/// (where the ranges stand) stay, and [`Segmented::resume`] continues each
/// range. A server that refuses REST gets the file as one stream; one
/// that refuses more connections (421, "too many") gets its ranges done
/// by the connections it took. Files below [`Segmented::min_size`], and
/// servers without SIZE, go as one stream.
///
/// Jobs in a row can share their sessions, logged in once:
/// [`super::pool::Pool`].
#[bisync]
pub async fn download_segmented<C>(
    session: &mut Option<Ftp>,
    connect: &C,
    remote: &str,
    local: &Path,
    how: &Segmented,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Transferred, Error>
where
    C: Connect,
{
    let mut sessions = Sessions::of(session.take());
    let result = rt::boxed(download_segmented_in(
        &mut sessions,
        connect,
        remote,
        local,
        how,
        progress,
    ))
    .await;
    *session = sessions.first;
    result
}

/// [`download_segmented`] on the sessions of a pool: the first asks the
/// size, the spare ones fetch ranges at once; what is left goes back.
#[bisync]
pub(crate) async fn download_segmented_in<C>(
    sessions: &mut Sessions,
    connect: &C,
    remote: &str,
    local: &Path,
    how: &Segmented,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Transferred, Error>
where
    C: Connect,
{
    let session = &mut sessions.first;
    let ftp = match session {
        Some(ftp) => ftp,
        None => session.insert(connect.connect().await?),
    };
    ftp.wire(remote)?;
    let n = how.segments.clamp(1, 16);
    let single = Fetch::default()
        .resume(how.resume)
        .continue_local(how.resume)
        .verify(how.verify)
        .size(how.size)
        .modified(how.modified);
    // The other connections log in while this one asks the size (unless
    // the file is known to be too small to split).
    let splittable = |size: u64| n > 1 && size >= how.min_size.max(n as u64);
    let spare = if how.size.is_none_or(splittable) {
        (n - 1).saturating_sub(sessions.spare.len())
    } else {
        0
    };
    let (total, opened) = rt::alongside(spare, &|| connect_quietly(connect), || {
        sized(ftp, remote, how)
    })
    .await;
    // Sessions opened for nothing stay for the pool's next job.
    let Some(total) = total?.filter(|&t| splittable(t)) else {
        sessions.spare.extend(opened.into_iter().flatten());
        return ftp.fetch(remote, local, &single, progress).await;
    };
    let part = part_path(local);
    let state = state_path(&part);
    let kept = match how.resume {
        true => resumable(&part, &state, total).await,
        false => None,
    };
    let fresh = kept.is_none();
    let ranges = kept.unwrap_or_else(|| Ranges::split(total, n));
    let offset = ranges.done();
    if fresh {
        let path = part.clone();
        rt::unblock(move || crate::files::create_part(&path)?.set_len(total))
            .await
            .map_err(|e| Error::local(&part, e))?;
    }
    let shared = Ranged {
        taken: Mutex::new(vec![false; ranges.ranges.len()]),
        ranges: Mutex::new(ranges),
        failed: Mutex::new(None),
        no_rest: AtomicBool::new(false),
        bytes: AtomicU64::new(0),
        state,
        progress,
        crew: Crew::new(
            u32::try_from(how.retries).unwrap_or(u32::MAX),
            Duration::ZERO,
            false,
        ),
    };
    save(&shared).await;
    let workers = n.min(shared.ranges.lock().unwrap().ranges.len());
    let run = |ftp| worker(&shared, connect, remote, &part, ftp, true);
    // Sessions beyond the ranges left (a resumed download) stay unused.
    let extra = sessions.take_spare(workers - 1, opened);
    let left = rt::run_all(sessions.first.take(), extra, run).await;
    sessions.keep(left);
    // Ranges of workers the server turned away: the caller's connection
    // does them (a few rounds at most: each takes all that is left).
    for _ in 0..4 {
        if !shared.pending() || shared.no_rest.load(Ordering::SeqCst) {
            break;
        }
        let first = sessions.first.take();
        sessions.first = worker(&shared, connect, remote, &part, first, false).await;
    }
    let session = &mut sessions.first;
    let ftp = match session {
        Some(ftp) => ftp,
        None => session.insert(connect.connect().await?),
    };
    if shared.no_rest.load(Ordering::SeqCst) {
        log::info!("{remote}: the server refuses REST: one stream");
        let _ = fs::remove_file(&shared.state).await;
        let _ = fs::remove_file(&part).await;
        return ftp
            .fetch(remote, local, &single.resume(false), progress)
            .await;
    }
    let failed = shared.failed.lock().unwrap().take();
    if let Some(e) = failed {
        save(&shared).await;
        return Err(e);
    }
    let got = shared.ranges.lock().unwrap().done();
    let len = fs::metadata(&part)
        .await
        .map_err(|e| Error::local(&part, e))?
        .len();
    if got != total || len != total {
        save(&shared).await;
        return Err(Error::TransferIncomplete {
            expected: total,
            received: got,
        });
    }
    let checksum = match how.verify {
        Verification::Never => None,
        mode => {
            ftp.verify_download(remote, &part, &Landing::Part, mode)
                .await?
        }
    };
    if let Some(when) = how.modified {
        let path = part.clone();
        rt::unblock(move || {
            std::fs::File::options()
                .write(true)
                .open(&path)?
                .set_modified(when)
        })
        .await
        .map_err(|e| Error::local(&part, e))?;
    }
    let _ = fs::remove_file(&shared.state).await;
    fs::rename(&part, local)
        .await
        .map_err(|e| Error::local(local, e))?;
    Ok(Transferred {
        offset,
        bytes: shared.bytes.load(Ordering::Relaxed),
        reply: None,
        checksum,
    })
}

/// The size of `remote` (`how.size` when known, else SIZE; `None` when
/// the server has none), after checking that a checksum can be had when
/// `how` requires one.
#[bisync]
async fn sized(ftp: &mut Ftp, remote: &str, how: &Segmented) -> Result<Option<u64>, Error> {
    if how.verify == Verification::Always && ftp.checksum_method().await?.is_none() {
        return Err(Error::NoChecksum {
            path: remote.to_string(),
        });
    }
    match how.size {
        Some(size) => Ok(Some(size)),
        None => crate::session::refused_is_none(ftp.size(remote).await),
    }
}

/// The ranges an earlier run left, when its state file and `.part` file
/// belong to a file of this size.
#[bisync]
async fn resumable(part: &Path, state: &Path, total: u64) -> Option<Ranges> {
    let meta = fs::symlink_metadata(part).await.ok()?;
    if !meta.is_file() || meta.len() != total {
        return None;
    }
    let text = fs::read_to_string(state).await.ok()?;
    Ranges::parse(&text).filter(|r| r.total == total)
}

/// One connection's work: ranges until none are left. A passing failure
/// is retried on a fresh connection; a worker the server turns away
/// gives its range back. In the `initial` round each connection tries
/// one range even when another has failed already.
#[bisync]
async fn worker<C>(
    shared: &Ranged<'_>,
    connect: &C,
    remote: &str,
    part: &Path,
    ftp: Option<Ftp>,
    initial: bool,
) -> Option<Ftp>
where
    C: Connect,
{
    let mut seat = Seat::new(&shared.crew, ftp);
    // A connection's first range of the download is its own to try.
    let mut own = initial;
    while let Some(i) = shared.take(own) {
        own = false;
        let mut attempt = 0;
        loop {
            let result = match seat.session(connect).await {
                Ok(f) => range(f, shared, i, remote, part).await,
                Err(Refused::Retire(e)) => {
                    log::info!("{remote}: the server refused another connection ({e})");
                    shared.give_back(i);
                    return seat.into_session();
                }
                Err(Refused::Failed(e)) => Err(e),
            };
            let e = match result {
                Ok(()) => {
                    save(shared).await;
                    break;
                }
                Err(e) => e,
            };
            if e.rest_refused() {
                shared.no_rest.store(true, Ordering::SeqCst);
                shared.give_back(i);
                return seat.into_session();
            }
            attempt += 1;
            if seat.failed(&e, attempt) != Verdict::Retry {
                shared.fail(e);
                shared.give_back(i);
                return seat.into_session();
            }
            log::info!("{remote}: a range failed ({e}); retrying");
            save(shared).await;
        }
    }
    seat.into_session()
}

/// Fetches what is left of range `i` into its place in `part`, then stops
/// the server's transfer (the rest of the file is the other ranges').
#[bisync]
async fn range(
    ftp: &mut Ftp,
    shared: &Ranged<'_>,
    i: usize,
    remote: &str,
    part: &Path,
) -> Result<(), Error> {
    let (start, end, done) = shared.range(i);
    let mut at = start + done;
    if at >= end {
        return Ok(());
    }
    let cmd = ftp.wire(&format!("RETR {remote}"))?.into_owned();
    let mut file = OpenOptions::new()
        .write(true)
        .open(part)
        .await
        .map_err(|e| Error::local(part, e))?;
    file.seek(SeekFrom::Start(at))
        .await
        .map_err(|e| Error::local(part, e))?;
    let rest = (at > 0).then_some(at);
    let mut t = ftp
        .open_data(&cmd, Flow::Blocks, rest)
        .await
        .map_err(Error::of_file(part))?;
    // Written a block at a time; saved every 16 MiB so that a resume
    // after a crash loses little.
    let mut unsaved = 0u64;
    let outcome = loop {
        let block = match ftp.next_block(&mut t).await {
            Ok(Some(block)) => block,
            Ok(None) => break Ok(false),
            Err(e) => break Err(e),
        };
        let want = (end - at).min(block.len() as u64) as usize;
        if let Err(e) = file.put(&block[..want]).await {
            break Err(ftp_core::Error::Callback(e));
        }
        at += want as u64;
        unsaved += want as u64;
        shared.advance(i, want as u64);
        if at >= end {
            break Ok(true);
        }
        if unsaved >= 16 << 20 {
            unsaved = 0;
            if let Err(e) = file.done().await {
                break Err(ftp_core::Error::Callback(e));
            }
            save(shared).await;
        }
    };
    let flushed = file.done().await;
    match outcome {
        // The range is complete: the server's transfer is cut short.
        Ok(true) => {
            ftp.stop_data(t).await.map_err(Error::of_file(part))?;
        }
        Ok(false) => {
            ftp.close_data(t, Ok(()))
                .await
                .map_err(Error::of_file(part))?;
            if at < end {
                return Err(Error::TransferIncomplete {
                    expected: end,
                    received: at,
                });
            }
        }
        Err(e) => {
            return Err(ftp
                .close_data(t, Err(e))
                .await
                .map_or_else(Error::of_file(part), |_| {
                    Error::Io(std::io::Error::other("the transfer failed"))
                }));
        }
    }
    flushed.map_err(|e| Error::local(part, e))
}
