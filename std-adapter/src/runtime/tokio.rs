//! The tokio runtime: tokio's sockets, files and timers; concurrent work
//! runs as futures of the caller's task (no task spawned). Every item of
//! the contract ([`super`]) as an `async fn` where it waits. Under WASI
//! (no threads) files and name lookups are std's, run in place.

use std::future::Future;
use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, SystemTime};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};

#[cfg(target_os = "wasi")]
pub(crate) use super::inline_files::{File, OpenOptions, fs};
pub(crate) use embedded_io_async::{Read as DataRead, Write as DataWrite};
#[cfg(not(target_os = "wasi"))]
pub(crate) use tokio::fs;
#[cfg(not(target_os = "wasi"))]
pub(crate) use tokio::fs::{File, OpenOptions};
pub(crate) use tokio::io::AsyncSeekExt as Seek;
pub(crate) use tokio::io::{AsyncReadExt as TcpRead, AsyncWriteExt as TcpWrite};

/// The TCP stream of this runtime.
pub(crate) type Tcp = TcpStream;

/// Where a download's blocks go ([`crate::tokio::Ftp::retrbinary`]): any
/// tokio `AsyncWrite + Unpin`.
#[allow(async_fn_in_trait)]
pub trait Sink {
    /// Writes one block of a download.
    async fn put(&mut self, block: &[u8]) -> io::Result<()>;
    /// After the last block.
    async fn done(&mut self) -> io::Result<()>;
}

impl<W: AsyncWrite + Unpin + ?Sized> Sink for W {
    async fn put(&mut self, block: &[u8]) -> io::Result<()> {
        self.write_all(block).await
    }

    async fn done(&mut self) -> io::Result<()> {
        self.flush().await
    }
}

/// What an upload sends ([`crate::tokio::Ftp::storbinary`]): any tokio
/// `AsyncRead + Unpin`.
#[allow(async_fn_in_trait)]
pub trait Source {
    /// Reads the next bytes of an upload into `buf` (0: the end).
    async fn take(&mut self, buf: &mut [u8]) -> io::Result<usize>;
}

impl<R: AsyncRead + Unpin + ?Sized> Source for R {
    async fn take(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.read(buf).await
    }
}

/// The addresses of `host`.
#[cfg(not(target_os = "wasi"))]
pub(crate) async fn resolve(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
    Ok(tokio::net::lookup_host((host, port)).await?.collect())
}

/// The addresses of `host`: WASI's name lookup through std (tokio's
/// `lookup_host` needs a thread to block).
#[cfg(target_os = "wasi")]
pub(crate) async fn resolve(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
    use std::net::ToSocketAddrs;
    Ok((host, port).to_socket_addrs()?.collect())
}

/// Connects to `addr` from `source` (any port) when given, within `timeout`.
pub(crate) async fn tcp_connect(
    addr: SocketAddr,
    source: Option<IpAddr>,
    timeout: Option<Duration>,
) -> io::Result<TcpStream> {
    let connect = async {
        let Some(source) = source else {
            return TcpStream::connect(addr).await;
        };
        let socket = if addr.is_ipv4() {
            TcpSocket::new_v4()?
        } else {
            TcpSocket::new_v6()?
        };
        socket.bind(SocketAddr::new(source, 0))?;
        socket.connect(addr).await
    };
    match timeout {
        Some(t) => tokio::time::timeout(t, connect)
            .await
            .unwrap_or_else(|_| Err(io::Error::new(io::ErrorKind::TimedOut, "connect timed out"))),
        None => connect.await,
    }
}

/// A listening socket of this runtime.
#[cfg(not(target_os = "wasi"))]
pub(crate) type Listener = tokio::net::TcpListener;

/// A socket listening on `addr`.
#[cfg(not(target_os = "wasi"))]
pub(crate) async fn listen(addr: SocketAddr) -> io::Result<Listener> {
    Listener::bind(addr).await
}

/// One connection on `listener`, within `timeout` when given.
#[cfg(not(target_os = "wasi"))]
pub(crate) async fn accept(
    listener: &Listener,
    timeout: Option<Duration>,
) -> io::Result<(Tcp, SocketAddr)> {
    within_accept(timeout, listener.accept()).await
}

/// A listening socket under WASI: std's, non-blocking (tokio's `accept`
/// fails there with EINVAL, wasmtime 2026).
#[cfg(target_os = "wasi")]
pub(crate) type Listener = std::net::TcpListener;

/// A socket listening on `addr`.
#[cfg(target_os = "wasi")]
pub(crate) async fn listen(addr: SocketAddr) -> io::Result<Listener> {
    let listener = Listener::bind(addr)?;
    listener.set_nonblocking(true)?;
    Ok(listener)
}

/// One connection on `listener`, within `timeout` when given: asked for
/// every few milliseconds (WASI gives tokio no readiness for a std
/// listener), the wait growing to 16 ms.
#[cfg(target_os = "wasi")]
pub(crate) async fn accept(
    listener: &Listener,
    timeout: Option<Duration>,
) -> io::Result<(Tcp, SocketAddr)> {
    within_accept(timeout, async {
        let mut pause = Duration::from_millis(1);
        loop {
            match listener.accept() {
                Ok((tcp, from)) => {
                    tcp.set_nonblocking(true)?;
                    return Ok((Tcp::from_std(tcp)?, from));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(Duration::from_millis(16));
                }
                Err(e) => return Err(e),
            }
        }
    })
    .await
}

/// An accept within `timeout`.
async fn within_accept(
    timeout: Option<Duration>,
    accept: impl Future<Output = io::Result<(Tcp, SocketAddr)>>,
) -> io::Result<(Tcp, SocketAddr)> {
    match timeout {
        Some(t) => tokio::time::timeout(t, accept).await.unwrap_or_else(|_| {
            Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the server did not open the data connection",
            ))
        }),
        None => accept.await,
    }
}

/// Nothing to arm: tokio's sockets have no timeouts of their own, and
/// [`within`] bounds the step itself.
pub(crate) fn socket_deadline(_tcp: &Tcp, _timeout: Option<Duration>) -> io::Result<()> {
    Ok(())
}

/// Nothing to arm: the control stream bounds each write by the reply
/// clock itself.
pub(crate) fn write_deadline(_tcp: &Tcp, _timeout: Option<Duration>) -> io::Result<()> {
    Ok(())
}

/// `step` within `timeout`.
pub(crate) async fn within<T>(
    timeout: Option<Duration>,
    step: impl Future<Output = io::Result<T>>,
) -> io::Result<T> {
    match timeout {
        Some(t) => tokio::time::timeout(t, step).await.unwrap_or_else(|_| {
            Err(io::Error::new(
                io::ErrorKind::TimedOut,
                format!("no answer within {t:?}"),
            ))
        }),
        None => step.await,
    }
}

/// A std file as a tokio one.
pub(crate) fn from_std(file: std::fs::File) -> File {
    File::from_std(file)
}

/// Sets a file's modification time, after the writes in flight.
#[cfg(not(target_os = "wasi"))]
pub(crate) async fn set_modified(file: &File, when: SystemTime) -> io::Result<()> {
    let file = file.try_clone().await?.into_std().await;
    file.set_modified(when)
}

/// Sets a file's modification time (its writes are done: they run in
/// place).
#[cfg(target_os = "wasi")]
pub(crate) async fn set_modified(file: &File, when: SystemTime) -> io::Result<()> {
    file.std().set_modified(when)
}

/// Waits `pause`.
pub(crate) async fn sleep(pause: Duration) {
    tokio::time::sleep(pause).await
}

/// Runs `f` (local file system work) on tokio's blocking threads.
#[cfg(not(target_os = "wasi"))]
pub(crate) async fn unblock<T: Send + 'static>(
    f: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(io::Error::other(e)))
}

/// Runs `f` (local file system work) in place: a WASI component has no
/// other thread.
#[cfg(target_os = "wasi")]
pub(crate) async fn unblock<T: Send + 'static>(
    f: impl FnOnce() -> io::Result<T> + Send + 'static,
) -> io::Result<T> {
    f()
}

/// A large future on the heap (a segmented download inside a mirror's
/// worker would otherwise make every worker's future as large).
pub(crate) fn boxed<F: Future>(future: F) -> std::pin::Pin<Box<F>> {
    Box::pin(future)
}

/// Runs `main` while `n` futures of `open` run, all as futures of this
/// task (a bulk job's sessions log in while the work is found); returns
/// `main`'s value and what each `open` gave.
pub(crate) async fn alongside<T, S, F, M>(
    n: usize,
    open: &impl Fn() -> F,
    main: impl FnOnce() -> M,
) -> (T, Vec<Option<S>>)
where
    F: Future<Output = Option<S>>,
    M: Future<Output = T>,
{
    let opens = futures_util::future::join_all((0..n).map(|_| Box::pin(open())));
    futures_util::future::join(Box::pin(main()), opens).await
}

/// Runs `worker` once with `first` and once for each of `extra`, as
/// futures of this task; returns what each left, the first's first.
pub(crate) async fn run_all<S, W, F>(
    first: Option<S>,
    extra: Vec<Option<S>>,
    worker: W,
) -> Vec<Option<S>>
where
    W: Fn(Option<S>) -> F,
    F: Future<Output = Option<S>>,
{
    // Each worker's future on the heap: N of them side by side would
    // make the caller's future N times a worker's size.
    let others = futures_util::future::join_all(extra.into_iter().map(|s| Box::pin(worker(s))));
    let (first, others) = futures_util::future::join(Box::pin(worker(first)), others).await;
    let mut left = vec![first];
    left.extend(others);
    left
}
