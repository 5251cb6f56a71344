// Retries that resume, for single transfers, for both twins: after a
// passing failure (a lost connection, a 421, a 426, a timeout, another
// 4xx) the session is made anew when it died (connect, log in, back to
// the directory it was in), SIZE is asked again and the transfer goes on
// from what really arrived: REST from the `.part` file's length for a
// download, APPE (or REST and STOR) from the remote size for an upload.
// A permanent refusal (550, 530) is not retried.

use std::path::Path;

use super::Connect;
use super::bisync;
use super::client::Ftp;
use super::rt;
use crate::bulk::Retries;
use crate::files::{Fetch, Progress, Put, Transferred};
use crate::Error;

/// Which transfer [`retrying`] runs.
#[derive(Clone, Copy)]
enum Transfer<'a> {
    Get(&'a Fetch),
    Put(&'a Put),
}

/// Downloads `remote` to `local` as [`Ftp::fetch`] does (`session` the
/// session to start with, connected with `connect` when `None`) and, when
/// the transfer or a connection for it fails for a passing reason (a
/// refused connection, a 421 greeting, a lost connection, a 4xx), tries
/// again up to
/// `retries.attempts` times, continuing from the `.part` file (REST) on a
/// new connection when the old one died, after a pause that doubles each
/// time (with jitter). `session` holds the session in use afterwards.
#[bisync]
pub async fn fetch_retrying<C: Connect>(
    session: &mut Option<Ftp>,
    connect: &C,
    remote: &str,
    local: &Path,
    fetch: &Fetch,
    retries: &Retries,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Transferred, Error> {
    retrying(session, connect, remote, local, Transfer::Get(fetch), retries, progress).await
}

/// Uploads `local` to `remote` as [`Ftp::put`] does, and tries again as
/// [`fetch_retrying`] does, continuing from the remote file's size (APPE,
/// else REST and STOR; for an atomic upload, its temporary file's).
#[bisync]
pub async fn put_retrying<C: Connect>(
    session: &mut Option<Ftp>,
    connect: &C,
    local: &Path,
    remote: &str,
    put: &Put,
    retries: &Retries,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Transferred, Error> {
    retrying(session, connect, remote, local, Transfer::Put(put), retries, progress).await
}

#[bisync]
async fn retrying<C: Connect>(
    session: &mut Option<Ftp>,
    connect: &C,
    remote: &str,
    local: &Path,
    transfer: Transfer<'_>,
    retries: &Retries,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Transferred, Error> {
    // Where a new session goes back to (a relative `remote` is there).
    let mut home: Option<String> = None;
    let mut attempt = 0;
    loop {
        let done = once(
            session,
            connect,
            &mut home,
            remote,
            local,
            transfer,
            attempt > 0,
            progress,
        )
        .await;
        match done {
            Ok(done) => return Ok(done),
            Err(e) if attempt < retries.attempts && e.worth_retrying() => {
                attempt += 1;
                let pause = retries.pause(attempt, jitter());
                log::warn!(
                    "{remote}: {e}; trying again in {:.1} s ({attempt} of {})",
                    pause.as_secs_f64(),
                    retries.attempts
                );
                if e.connection_lost()
                    && let Some(old) = session.take()
                {
                    old.close();
                }
                rt::sleep(pause).await;
            }
            Err(e) => return Err(e),
        }
    }
}

/// One attempt of [`retrying`]: a new session when there is none open
/// (connected, logged in and back in `home`; a refused connection or
/// login is this attempt's error, so a server that still counts the
/// dropped session gets the next pause), then the transfer, from what
/// arrived when `again`.
#[bisync]
#[allow(clippy::too_many_arguments)]
async fn once<C: Connect>(
    session: &mut Option<Ftp>,
    connect: &C,
    home: &mut Option<String>,
    remote: &str,
    local: &Path,
    transfer: Transfer<'_>,
    again: bool,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Transferred, Error> {
    let ftp = match session {
        Some(ftp) if ftp.is_open() => ftp,
        _ => {
            let mut fresh = connect.connect().await?;
            if let Some(dir) = home.as_ref().filter(|d| !d.is_empty()) {
                fresh.cwd(dir).await?;
            }
            session.insert(fresh)
        }
    };
    if home.is_none() {
        // (A server without PWD: new sessions stay where they log in.)
        *home = Some(ftp.pwd().await.unwrap_or_default());
    }
    match transfer {
        Transfer::Get(fetch) => {
            let fetch = if again {
                fetch.clone().resume(true)
            } else {
                fetch.clone()
            };
            ftp.fetch(remote, local, &fetch, progress).await
        }
        Transfer::Put(put) => {
            let put = if again { put.clone().resume(true) } else { put.clone() };
            ftp.put(local, remote, &put, progress).await
        }
    }
}

/// A number from 0 to 1 that differs from call to call (the clock's
/// nanoseconds): retries of many clients do not come in step.
fn jitter() -> f64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    f64::from(nanos % 1000) / 1000.0
}
