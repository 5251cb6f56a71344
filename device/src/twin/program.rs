// The device program, written once for both twins.

use ftp_core::{DEFAULT_REPLY_BUFFER, Error, Text};

use super::{DataConnector, Ftp, Read, Write, bisync};
use crate::{ATTEMPTS, Board, Device, Failure, SlotError, sha256_of_reply};

/// The session type of a device.
type Session<S, D> = Ftp<S, D, DEFAULT_REPLY_BUFFER, SlotError>;

/// A download's length and the session it ended on.
type Downloaded<S, D> = (u64, Session<S, D>);

/// How the device gets a logged-in session: a new control connection each
/// time, the welcome and the login printed, FTPS set up where the program
/// uses it. The session before it, if any, is handed back first: its
/// sockets are the new one's (embassy's sockets borrow their buffers; a
/// smoltcp adapter's handles are simply reused).
#[bisync]
#[allow(async_fn_in_trait)]
pub trait Sessions {
    /// The control stream.
    type S: Read + Write + embedded_io::ReadReady;
    /// The data connector.
    type D: DataConnector<Error = <Self::S as embedded_io::ErrorType>::Error>;

    /// A new session, logged in, on the sockets of `old` when given.
    async fn open<B: Board>(
        &mut self,
        board: &mut B,
        old: Option<Session<Self::S, Self::D>>,
    ) -> Result<Session<Self::S, Self::D>, Failure>;
}

/// One error as a line.
fn failed<E: core::fmt::Display>(what: &str, e: &Error<E, SlotError>) -> Failure {
    Failure::new(format_args!("{what}: {e}"))
}

/// Whether a failed download is worth another attempt: the connection
/// was cut, stalled or closed, or the server reported a transient
/// failure; not a refusal (550) nor the slot's own failure.
fn worth_retrying<E>(e: &Error<E, SlotError>) -> bool {
    matches!(
        e,
        Error::Io(_)
            | Error::ConnectionClosed
            | Error::SessionClosed
            | Error::Temporary(_)
            | Error::TransferIncomplete { .. }
            | Error::Protocol(_)
    )
}

/// The whole program: log in, CWD, LIST, the image into the slot (resumed
/// after a cut, checked), the log up, QUIT. `block` is the transfer
/// buffer ([`BLOCK`] bytes suit): the caller's, so that it is not part of
/// this future (an async caller would otherwise hold it twice on its
/// stack while the future is built and moved into place).
#[bisync]
pub async fn run<X: Sessions, B: Board>(
    sessions: &mut X,
    device: &Device<'_>,
    board: &mut B,
    block: &mut [u8],
) -> Result<(), Failure>
where
    <X::S as embedded_io::ErrorType>::Error: core::fmt::Display,
{
    let mut ftp = sessions.open(board, None).await?;
    let reply = ftp.cwd(device.dir).await.map_err(|e| failed("CWD", &e))?;
    say!(board, "{reply}");
    let reply = ftp
        .retrlines("LIST", block, async |line| {
            say!(board, "{}", Text(line));
            Ok(())
        })
        .await
        .map_err(|e| failed("LIST", &e))?;
    say!(board, "{reply}");

    let started = board.now_ms();
    let (len, mut ftp) = download(ftp, sessions, device, board, block).await?;
    let ms = board.now_ms().saturating_sub(started).max(1);
    say!(
        board,
        "downloaded {len} bytes in {ms} ms ({} kB/s)",
        len / ms
    );

    let started = board.now_ms();
    let mut sent = 0u64;
    // The log is read out block by block, as from flash.
    let read_log = async |buf: &mut [u8]| {
        let n = board.log_read(sent, buf)?;
        sent += n as u64;
        Ok(n)
    };
    let name = device.remote_log;
    let mut cmd = heapless::String::<128>::new();
    core::fmt::write(&mut cmd, format_args!("STOR {name}"))
        .map_err(|_| Failure::new(format_args!("the log's name is too long")))?;
    let reply = ftp
        .storbinary(&cmd, block, None, read_log, |_| {})
        .await
        .map_err(|e| failed("STOR", &e))?;
    say!(board, "{reply}");
    let ms = board.now_ms().saturating_sub(started);
    say!(board, "uploaded {sent} bytes in {ms} ms");
    let reply = ftp.quit().await.map_err(|e| failed("QUIT", &e))?;
    say!(board, "{reply}");
    say!(
        board,
        "session: {} bytes (reply buffer {DEFAULT_REPLY_BUFFER}), transfer buffer {} bytes",
        core::mem::size_of_val(&ftp),
        block.len()
    );
    Ok(())
}

/// The image into the slot, resumed after a cut (a new session when the
/// old one is gone), within the deadline; checked against SIZE.
#[bisync]
async fn download<X: Sessions, B: Board>(
    mut ftp: Session<X::S, X::D>,
    sessions: &mut X,
    device: &Device<'_>,
    board: &mut B,
    block: &mut [u8],
) -> Result<Downloaded<X::S, X::D>, Failure>
where
    <X::S as embedded_io::ErrorType>::Error: core::fmt::Display,
{
    let deadline = board.now_ms().saturating_add(device.deadline_ms);
    let mut cmd = heapless::String::<128>::new();
    core::fmt::write(&mut cmd, format_args!("RETR {}", device.file))
        .map_err(|_| Failure::new(format_args!("the image's name is too long")))?;
    let mut have = 0u64;
    let mut pause = device.pause_ms;
    let mut attempt = 1;
    loop {
        let rest = (have > 0).then_some(have);
        let mut at = have;
        let result = ftp
            .retrbinary(&cmd, block, rest, async |b| {
                board.slot_write(at, b)?;
                at += b.len() as u64;
                Ok(())
            })
            .await;
        have = at;
        match result {
            Ok(reply) => {
                say!(board, "{}", Text(reply.text()));
                break;
            }
            // A server without REST: the image from its start, at once
            // (once: from 0 there is no REST to refuse).
            Err(Error::Permanent(r)) if rest.is_some() && matches!(r.code().get(), 500..=504) => {
                say!(
                    board,
                    "REST refused ({}): the image from its start",
                    Text(r.text())
                );
                have = 0;
            }
            Err(e) => {
                let now = board.now_ms();
                if attempt == ATTEMPTS || !worth_retrying(&e) || now >= deadline {
                    return Err(failed("RETR", &e));
                }
                let wait = pause.min(deadline - now);
                say!(
                    board,
                    "attempt {attempt} failed at {have} bytes: {e}; resuming in {wait} ms"
                );
                board.pause(wait);
                pause = pause.saturating_mul(2);
                attempt += 1;
                // A new control connection: the old one may be gone or
                // out of step; its sockets serve the new one.
                ftp = sessions.open(board, Some(ftp)).await?;
                let reply = ftp.cwd(device.dir).await.map_err(|e| failed("CWD", &e))?;
                say!(board, "{reply}");
            }
        }
    }
    // Complete only when the server's size agrees, and its checksum where
    // it offers one (a file that changed between two attempts).
    match ftp.size(device.file).await {
        Ok(Some(size)) if size != have => {
            return Err(Failure::new(format_args!(
                "the image is {have} bytes, the server's {size}: not published"
            )));
        }
        Ok(_) => {}
        Err(e) => return Err(failed("SIZE", &e)),
    }
    check_sha256(&mut ftp, device, have, board, block).await?;
    board
        .publish(have)
        .map_err(|e| Failure::new(format_args!("{e}")))?;
    say!(board, "image checked and published: {have} bytes");
    Ok((have, ftp))
}

/// Compares the slot's SHA-256 with the server's (XSHA256, or HASH with
/// SHA-256), where FEAT offers either; nothing to compare otherwise.
#[bisync]
async fn check_sha256<S, D, B: Board>(
    ftp: &mut Session<S, D>,
    device: &Device<'_>,
    have: u64,
    board: &mut B,
    block: &mut [u8],
) -> Result<(), Failure>
where
    S: Read + Write + embedded_io::ReadReady,
    D: DataConnector<Error = S::Error>,
    S::Error: core::fmt::Display,
{
    use sha2::Digest;
    let (mut xsha256, mut hash) = (false, false);
    // A server without FEAT has nothing to offer.
    let _ = ftp
        .feat(|line| {
            let word = line.split(|&b| b == b' ').next().unwrap_or_default();
            if word.eq_ignore_ascii_case(b"XSHA256") {
                xsha256 = true;
            }
            if word.eq_ignore_ascii_case(b"HASH")
                && line.windows(7).any(|w| w.eq_ignore_ascii_case(b"SHA-256"))
            {
                hash = true;
            }
        })
        .await;
    let verb = match (hash, xsha256) {
        (true, _) => {
            ftp.voidcmd("OPTS HASH SHA-256")
                .await
                .map_err(|e| failed("OPTS HASH", &e))?;
            "HASH"
        }
        (false, true) => "XSHA256",
        (false, false) => return Ok(()),
    };
    let mut cmd = heapless::String::<128>::new();
    core::fmt::write(&mut cmd, format_args!("{verb} {}", device.file))
        .map_err(|_| Failure::new(format_args!("the image's name is too long")))?;
    let mut theirs = [0u8; 32];
    {
        let reply = ftp.voidcmd(&cmd).await.map_err(|e| failed(verb, &e))?;
        if !sha256_of_reply(reply.text(), &mut theirs) {
            return Err(Failure::new(format_args!(
                "{verb}: no SHA-256 in {}",
                Text(reply.text())
            )));
        }
    }
    let mut sha = sha2::Sha256::new();
    let mut at = 0u64;
    while at < have {
        let n = block.len().min((have - at) as usize);
        board
            .slot_read(at, &mut block[..n])
            .map_err(|e| Failure::new(format_args!("{e}")))?;
        sha.update(&block[..n]);
        at += n as u64;
    }
    if sha.finalize()[..] != theirs[..] {
        return Err(Failure::new(format_args!(
            "the image's SHA-256 is not the server's ({verb}): it changed between the attempts; not published"
        )));
    }
    say!(board, "SHA-256 checked ({verb})");
    Ok(())
}
