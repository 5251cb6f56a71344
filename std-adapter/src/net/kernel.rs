//! Linux only: downloads the kernel does without copying through user
//! space, splicing the socket into the file through a pipe. Clear-text
//! data connections only (TLS needs the bytes in user space); other
//! platforms and WASI keep the portable read/write loop. (Uploads keep it
//! too: sendfile measured slower than 64 KiB writes to vsftpd.)

use std::fs::File;
use std::io;
use std::net::TcpStream;
use std::os::fd::OwnedFd;
use std::time::Duration;

use rustix::io::Errno;
use rustix::pipe::{SpliceFlags, fcntl_setpipe_size, pipe, splice};

/// How much one system call moves at most.
const CHUNK: usize = 1 << 20;

/// A socket timeout shows as EAGAIN: say what happened.
fn from_errno(e: Errno, timeout: Option<Duration>) -> io::Error {
    if e == Errno::AGAIN {
        io::Error::new(
            io::ErrorKind::TimedOut,
            format!(
                "the data connection stalled for {:?}",
                timeout.unwrap_or_default()
            ),
        )
    } else {
        io::Error::from(e)
    }
}

/// Moves what `sock` delivers until EOF into the file `open` gives (opened
/// at the first byte, so nothing is created for a transfer that brings
/// nothing). `on_chunk` gets the running total, and says whether to go
/// on (`false`: the caller cancelled; the file's error, `Interrupted`).
/// Returns the total and the file, when one was opened.
pub(crate) fn splice_to_file(
    pipe_slot: &mut Option<Pipe>,
    sock: &TcpStream,
    mut open: impl FnMut() -> io::Result<File>,
    mut on_chunk: impl FnMut(u64) -> bool,
) -> Result<(u64, Option<File>), Spliced> {
    // The session's pipe, made once; a transfer that fails leaves it out
    // (it may hold bytes), and the next one makes a new one.
    let Pipe(pipe_r, pipe_w) = match pipe_slot.take() {
        Some(p) => p,
        None => Pipe::new().map_err(Spliced::Socket)?,
    };
    let result = splice_through(&pipe_r, &pipe_w, sock, &mut open, &mut on_chunk);
    if result.is_ok() {
        *pipe_slot = Some(Pipe(pipe_r, pipe_w));
    }
    result
}

/// Which side of a splice failed: the data connection (or the pipe), or
/// the file.
#[derive(Debug)]
pub(crate) enum Spliced {
    /// The socket or the pipe: the network's error.
    Socket(io::Error),
    /// The file: its own.
    File(io::Error),
}

/// A pipe for splicing (read end, write end), as big as the system lets.
pub(crate) struct Pipe(OwnedFd, OwnedFd);

impl Pipe {
    fn new() -> io::Result<Pipe> {
        let (r, w) = pipe().map_err(io::Error::from)?;
        // A bigger pipe means fewer system calls; the default (64 KiB) works.
        let _ = fcntl_setpipe_size(&w, CHUNK);
        Ok(Pipe(r, w))
    }
}

fn splice_through(
    pipe_r: &OwnedFd,
    pipe_w: &OwnedFd,
    sock: &TcpStream,
    open: &mut impl FnMut() -> io::Result<File>,
    on_chunk: &mut impl FnMut(u64) -> bool,
) -> Result<(u64, Option<File>), Spliced> {
    let timeout = sock.read_timeout().ok().flatten();
    let mut file: Option<File> = None;
    let mut total = 0u64;
    loop {
        let n = match splice(
            sock,
            None,
            pipe_w,
            None,
            CHUNK,
            SpliceFlags::MOVE | SpliceFlags::MORE,
        ) {
            Ok(0) => break,
            Ok(n) => n,
            Err(Errno::INTR) => continue,
            Err(e) => return Err(Spliced::Socket(from_errno(e, timeout))),
        };
        let f = match &mut file {
            Some(f) => f,
            None => file.insert(open().map_err(Spliced::File)?),
        };
        let mut left = n;
        while left > 0 {
            match splice(pipe_r, None, &*f, None, left, SpliceFlags::MOVE) {
                Ok(0) => {
                    return Err(Spliced::File(io::Error::new(
                        io::ErrorKind::WriteZero,
                        "the file took no more bytes",
                    )));
                }
                Ok(m) => left -= m,
                Err(Errno::INTR) => continue,
                Err(e) => return Err(Spliced::File(io::Error::from(e))),
            }
        }
        total += n as u64;
        if !on_chunk(total) {
            return Err(Spliced::File(io::Error::new(
                io::ErrorKind::Interrupted,
                "the transfer was cancelled",
            )));
        }
    }
    Ok((total, file))
}
