//! The blocking runtime: std sockets, `std::fs`, threads. Every item of
//! the contract ([`super`]) without `async`; a step bounded by a timeout
//! is bounded by the socket's own timeouts.

use std::io::{self, Read, Write};
use std::net::{IpAddr, SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

pub(crate) use embedded_io::{Read as DataRead, Write as DataWrite};
pub(crate) use std::fs;
pub(crate) use std::fs::{File, OpenOptions};
pub(crate) use std::io::Seek;
pub(crate) use std::io::{Read as TcpRead, Write as TcpWrite};

/// The TCP stream of this runtime.
pub(crate) type Tcp = TcpStream;

/// Where a download's blocks go ([`crate::Ftp::retrbinary`]): any
/// `std::io::Write`.
pub trait Sink {
    /// Writes one block of a download.
    fn put(&mut self, block: &[u8]) -> io::Result<()>;
    /// After the last block.
    fn done(&mut self) -> io::Result<()>;
}

impl<W: Write + ?Sized> Sink for W {
    fn put(&mut self, block: &[u8]) -> io::Result<()> {
        self.write_all(block)
    }

    fn done(&mut self) -> io::Result<()> {
        self.flush()
    }
}

/// What an upload sends ([`crate::Ftp::storbinary`]): any `std::io::Read`.
pub trait Source {
    /// Reads the next bytes of an upload into `buf` (0: the end).
    fn take(&mut self, buf: &mut [u8]) -> io::Result<usize>;
}

impl<R: Read + ?Sized> Source for R {
    fn take(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => return other,
            }
        }
    }
}

/// The addresses of `host`.
pub(crate) fn resolve(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
    Ok((host, port).to_socket_addrs()?.collect())
}

/// Connects to `addr` from `source` (any port) when given, within `timeout`.
pub(crate) fn tcp_connect(
    addr: SocketAddr,
    source: Option<IpAddr>,
    timeout: Option<Duration>,
) -> io::Result<TcpStream> {
    use socket2::{Domain, Socket, Type};
    let Some(source) = source else {
        return match timeout {
            Some(t) => TcpStream::connect_timeout(&addr, t),
            None => TcpStream::connect(addr),
        };
    };
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, None)?;
    socket.bind(&SocketAddr::new(source, 0).into())?;
    match timeout {
        Some(t) => socket.connect_timeout(&addr.into(), t)?,
        None => socket.connect(&addr.into())?,
    }
    Ok(socket.into())
}

/// A listening socket of this runtime.
pub(crate) type Listener = std::net::TcpListener;

/// A socket listening on `addr`.
pub(crate) fn listen(addr: SocketAddr) -> io::Result<Listener> {
    Listener::bind(addr)
}

/// One connection on `listener`, within `timeout` when given.
pub(crate) fn accept(
    listener: &Listener,
    timeout: Option<Duration>,
) -> io::Result<(Tcp, SocketAddr)> {
    accept_watching(listener, timeout, || Ok(false))?
        .ok_or_else(|| io::Error::other("the wait for the data connection ended"))
}

/// One connection on `listener`, within `timeout` when given; `Ok(None)`
/// as soon as `stop()` says so (asked every 5 ms: the blocking side's way
/// to watch the control connection while it waits).
pub(crate) fn accept_watching(
    listener: &Listener,
    timeout: Option<Duration>,
    mut stop: impl FnMut() -> io::Result<bool>,
) -> io::Result<Option<(Tcp, SocketAddr)>> {
    // std has no accept timeout: poll a non-blocking listener.
    listener.set_nonblocking(true)?;
    let deadline = timeout.map(|t| std::time::Instant::now() + t);
    loop {
        match listener.accept() {
            Ok((stream, from)) => {
                stream.set_nonblocking(false)?;
                return Ok(Some((stream, from)));
            }
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
                    return Err(not_connected());
                }
                if stop()? {
                    return Ok(None);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            Err(e) => return Err(e),
        }
    }
}

/// The server did not connect in time (active mode).
fn not_connected() -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        "the server did not open the data connection",
    )
}

/// Arms (`Some`) or disarms (`None`) the deadline this runtime's sockets
/// enforce themselves: here the socket's read and write timeouts, which
/// is what bounds a [`within`] step.
pub(crate) fn socket_deadline(tcp: &Tcp, timeout: Option<Duration>) -> io::Result<()> {
    tcp.set_read_timeout(timeout)?;
    tcp.set_write_timeout(timeout)
}

/// The control connection's writes, bounded by `timeout`: here the
/// socket's write timeout (reads are bounded by the reply clock).
pub(crate) fn write_deadline(tcp: &Tcp, timeout: Option<Duration>) -> io::Result<()> {
    tcp.set_write_timeout(timeout)
}

/// A step on a socket armed by [`socket_deadline`], within `timeout`: the
/// socket's timeouts bounded it, so its result is the step's.
pub(crate) fn within<T>(_timeout: Option<Duration>, step: io::Result<T>) -> io::Result<T> {
    step
}

/// A std file as this runtime's file: itself.
pub(crate) fn from_std(file: File) -> File {
    file
}

/// Sets a file's modification time.
pub(crate) fn set_modified(file: &File, when: SystemTime) -> io::Result<()> {
    file.set_modified(when)
}

/// Waits `pause`.
pub(crate) fn sleep(pause: Duration) {
    std::thread::sleep(pause)
}

/// Runs `f` (local file system work) here and now.
pub(crate) fn unblock<T: Send + 'static>(
    f: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    f()
}

/// A call's result as it is (the tokio runtime boxes a large future).
pub(crate) fn boxed<T>(value: T) -> T {
    value
}

/// Runs `main` on this thread while `n` calls of `open` run on threads of
/// their own (a bulk job's sessions log in while the work is found);
/// returns `main`'s value and what each `open` gave (`None` when its
/// thread could not start).
pub(crate) fn alongside<T, S: Send>(
    n: usize,
    open: &(impl Fn() -> Option<S> + Sync),
    main: impl FnOnce() -> T,
) -> (T, Vec<Option<S>>) {
    if n == 0 {
        return (main(), Vec::new());
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..n)
            .map(|i| {
                std::thread::Builder::new()
                    .name(format!("connect-{i}"))
                    .spawn_scoped(scope, open)
            })
            .collect();
        let value = main();
        let sessions = handles
            .into_iter()
            .map(|h| h.ok().and_then(|h| h.join().ok().flatten()))
            .collect();
        (value, sessions)
    })
}

/// Runs `worker` once with `first` on this thread and once for each of
/// `extra` on a thread of its own; returns what each left, the first's
/// first. Where no thread can start (WASI), the first does it all, and
/// the sessions of the workers that did not start come back as they
/// were. A worker's panic reaches the caller, after every worker ended.
pub(crate) fn run_all<S: Send, W>(
    first: Option<S>,
    extra: Vec<Option<S>>,
    worker: W,
) -> Vec<Option<S>>
where
    W: Fn(Option<S>) -> Option<S> + Sync,
{
    let worker = &worker;
    // Each thread takes its session from its slot: a session whose thread
    // cannot start stays there.
    let slots: Vec<Mutex<Option<S>>> = extra.into_iter().map(Mutex::new).collect();
    let take = |slot: &Mutex<Option<S>>| slot.lock().unwrap_or_else(|e| e.into_inner()).take();
    std::thread::scope(|scope| {
        let mut handles = Vec::new();
        for (i, slot) in slots.iter().enumerate() {
            let spawned = std::thread::Builder::new()
                .name(format!("worker-{}", i + 1))
                .spawn_scoped(scope, move || worker(take(slot)));
            match spawned {
                Ok(handle) => handles.push(handle),
                Err(e) => {
                    log::info!("no more workers ({e}), going on with {i}");
                    break;
                }
            }
        }
        let started = handles.len();
        let mut left = vec![worker(first)];
        let mut panicked = None;
        for handle in handles {
            match handle.join() {
                Ok(session) => left.push(session),
                Err(panic) => {
                    panicked.get_or_insert(panic);
                }
            }
        }
        // As in the tokio runtime: a summary without that worker's files
        // would say less than what happened.
        if let Some(panic) = panicked {
            std::panic::resume_unwind(panic);
        }
        left.extend(slots[started..].iter().map(take));
        left
    })
}
