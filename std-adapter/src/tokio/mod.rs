//! The async session on tokio (feature `tokio`): the methods of the
//! blocking [`crate::Ftp`], async, from the same source (`twin/`, with
//! `async` and `.await` kept), over tokio's sockets and files.
//!
//! - FTPS over tokio-rustls with the blocking side's verification
//!   ([`crate::Verify`], client certificates) and one rustls
//!   `ClientConfig` per session, so data connections resume the control
//!   connection's TLS session (vsftpd's `require_ssl_reuse`); data
//!   streams close with close_notify.
//! - The whole-reply deadline, data and connect timeouts of
//!   [`crate::Options`] (tokio timers), TCP keepalive.
//! - The file helpers ([`Ftp::download_with`], [`Ftp::upload_with`]) with
//!   the same guarantees: `NAME.part` renamed after the final 2xx, REST
//!   resume, the upload's size checked.
//! - [`mirror`] and [`mirror_up`]: N connections are N futures of the
//!   caller's task (no thread per connection), with the blocking
//!   mirror's planner, options and name checks.
//!
//! Cancellation: a future dropped half-way (a `tokio::time::timeout`
//! around a call) leaves the session usable or out of step
//! ([`crate::Error::Protocol`] `OutOfSync` on the next call), never
//! reading a reply as another command's; a dropped download never leaves
//! a partial file under the final name (one dropped after its final
//! reply may still be put in place whole: the rename runs on tokio's
//! blocking threads).
//!
//! ```no_run
//! # async fn run() -> Result<(), ftp_std::Error> {
//! use ftp_std::tokio::Ftp;
//! use ftp_std::{Options, Security};
//!
//! let options = Options::default().security(Security::Explicit);
//! let mut ftp = Ftp::connect("ftp.example.com", 21, &options).await?;
//! ftp.login("anonymous", "", "").await?;
//! ftp.prot_p().await?;
//! for line in ftp.dir(None).await? {
//!     println!("{line}");
//! }
//! let done = ftp.download_with("README", "README", true, |p| {
//!     eprintln!("{} of {:?}", p.done, p.total);
//! }).await?;
//! println!("{} bytes", done.bytes);
//! ftp.quit().await?;
//! # Ok(()) }
//! ```
//!
//! A mirror over 16 connections, each a future of this task:
//!
//! ```no_run
//! # async fn run() -> Result<(), ftp_std::Error> {
//! use ftp_std::tokio::{Ftp, mirror};
//! use ftp_std::{MirrorOptions, Options};
//!
//! let connect = || async {
//!     let mut ftp = Ftp::connect("ftp.example.com", 21, &Options::default()).await?;
//!     ftp.login("anonymous", "", "").await?;
//!     Ok(ftp)
//! };
//! let mut session = None;
//! let options = MirrorOptions::default().parallel(16);
//! let summary = mirror(&mut session, &connect, "pub", "pub".as_ref(), &options, &|_| {}).await?;
//! println!("{} files, {} failed", summary.files, summary.failed.len());
//! # Ok(()) }
//! ```

mod connector;
mod control;

use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::time::{Duration, SystemTime};

use ftp_core_macros::asynch as bisync;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

pub use connector::{Connector, DataListener, DataStream};
pub use control::Control;

use crate::control::ReplyClock;
use ftp_core::TransferType;

use crate::support::{io_err, text};
use crate::tls::TlsContext;
use crate::{Error, Options, Progress, Security};

/// The core's async session under [`Ftp`].
pub type Session = ftp_core::asynch::Ftp<Control, Connector, { crate::REPLY_BUFFER }>;

/// What the twins do differently: the tokio side.
pub(crate) mod rt {
    use super::*;

    pub(crate) use embedded_io_async::{Read as DataRead, Write as DataWrite};
    pub(crate) use tokio::fs;
    pub(crate) use tokio::fs::{File, OpenOptions};
    pub(crate) use tokio::io::AsyncSeekExt as Seek;

    /// The data stream of the core session.
    pub(crate) type CoreStream = DataStream;

    /// Where a download's blocks go: any tokio writer.
    #[allow(async_fn_in_trait)]
    pub(crate) trait Sink {
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

    /// What an upload sends: any tokio reader.
    #[allow(async_fn_in_trait)]
    pub(crate) trait Source {
        async fn take(&mut self, buf: &mut [u8]) -> io::Result<usize>;
    }

    impl<R: AsyncRead + Unpin + ?Sized> Source for R {
        async fn take(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            self.read(buf).await
        }
    }

    pub(crate) type Session = super::Session;
    pub(crate) type DataStream = super::DataStream;

    /// Nothing only this twin keeps.
    #[derive(Default)]
    pub(crate) struct Extra {}

    pub(crate) fn control(session: &mut Session) -> &mut Control {
        session.control_mut()
    }

    pub(crate) async fn resolve(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
        Ok(tokio::net::lookup_host((host, port)).await?.collect())
    }

    pub(crate) use super::connector::tcp_connect;

    /// The TCP stream of this twin.
    pub(crate) type Tcp = TcpStream;
    pub(crate) use tokio::io::{AsyncReadExt as ProxyRead, AsyncWriteExt as ProxyWrite};

    /// Nothing to set: [`within`] bounds the handshake.
    pub(crate) fn handshake_timeouts(_tcp: &Tcp, _timeout: Option<Duration>) -> io::Result<()> {
        Ok(())
    }

    /// `step` within `timeout`.
    pub(crate) async fn within<T>(
        timeout: Option<Duration>,
        step: impl std::future::Future<Output = io::Result<T>>,
    ) -> io::Result<T> {
        match timeout {
            Some(t) => tokio::time::timeout(t, step).await.unwrap_or_else(|_| {
                Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("the proxy did not answer within {t:?}"),
                ))
            }),
            None => step.await,
        }
    }

    /// The session on a connected socket: TLS first when implicit, then
    /// the welcome.
    pub(crate) async fn start(
        tcp: TcpStream,
        tls: Option<&TlsContext>,
        options: &Options,
        via_proxy: Option<crate::proxy::Target>,
    ) -> Result<Session, Error> {
        io_err(tcp.set_nodelay(true))?;
        crate::connector::set_keepalive(socket2::SockRef::from(&tcp), options.keepalive);
        let local = io_err(tcp.local_addr())?;
        let peer = io_err(tcp.peer_addr())?;
        let clock = ReplyClock::new(options.reply_timeout);
        let mut control = Control::new(tcp, clock.clone());
        if options.security == Security::Implicit
            && let Some(tls) = tls
        {
            io_err(control.start_tls(tls).await)?;
        }
        let connector = Connector::new(local, options, clock, via_proxy);
        let mut session = ftp_core::asynch::Ftp::connect(control, connector, peer).await?;
        session.set_pasv(options.passive);
        session.set_trust_server_pasv_ipv4_address(options.trust_server_pasv_ipv4_address);
        session.set_verify_data_peer(options.verify_data_peer);
        Ok(session)
    }

    /// A std file as a tokio one.
    pub(crate) fn from_std(file: std::fs::File) -> File {
        File::from_std(file)
    }

    pub(crate) async fn set_modified(file: &File, when: SystemTime) -> io::Result<()> {
        // Waits for the writes in flight, then one system call.
        let file = file.try_clone().await?.into_std().await;
        file.set_modified(when)
    }

    pub(crate) async fn sleep(pause: Duration) {
        tokio::time::sleep(pause).await
    }

    /// Runs `f` (local file system work) on tokio's blocking threads.
    pub(crate) async fn unblock<T: Send + 'static>(
        f: impl FnOnce() -> io::Result<T> + Send + 'static,
    ) -> io::Result<T> {
        tokio::task::spawn_blocking(f)
            .await
            .unwrap_or_else(|e| Err(io::Error::other(e)))
    }

    /// A large future on the heap (a segmented download inside a mirror's
    /// worker would otherwise make every worker's future as large).
    pub(crate) fn boxed<F: std::future::Future>(future: F) -> std::pin::Pin<Box<F>> {
        Box::pin(future)
    }

    /// Runs `main` while `n` sessions connect, as futures of this task (a
    /// mirror's workers log in while the tree is scanned). A session that
    /// could not connect is `None`: its worker tries again when it has a
    /// job, and retires if the server caps connections.
    pub(crate) async fn alongside<T, C, F>(
        n: usize,
        connect: &C,
        main: impl FnOnce() -> F,
    ) -> (T, Vec<Option<Ftp>>)
    where
        C: super::Connect,
        F: std::future::Future<Output = T>,
    {
        let connects = futures_util::future::join_all(
            (0..n).map(|_| Box::pin(async { connect.connect().await.ok() })),
        );
        futures_util::future::join(Box::pin(main()), connects).await
    }

    /// Runs mirror workers as futures of this task: the first with
    /// `first`, one for each of `extra` with that session; returns the
    /// first's session.
    pub(crate) async fn run_all<W, F>(
        first: Option<Ftp>,
        extra: Vec<Option<Ftp>>,
        worker: W,
    ) -> Option<Ftp>
    where
        W: Fn(Option<Ftp>) -> F,
        F: std::future::Future<Output = Option<Ftp>>,
    {
        // Each worker's future on the heap: N of them side by side would
        // make the caller's future N times a worker's size.
        let others = futures_util::future::join_all(extra.into_iter().map(|f| Box::pin(worker(f))));
        let (first, _) = futures_util::future::join(Box::pin(worker(first)), others).await;
        first
    }

    /// The kernel does not move tokio downloads: the portable loop runs.
    pub(crate) async fn kernel_receive(
        _ftp: &mut Ftp,
        _cmd: &[u8],
        _part: &Path,
        _offset: u64,
        _total: Option<u64>,
        _progress: &mut impl FnMut(Progress),
    ) -> Option<Result<crate::files::Received<File>, Error>> {
        None
    }
}

// Loaded twice on purpose: once per twin.
#[allow(clippy::duplicate_mod)]
#[path = "../twin/client.rs"]
mod client;
#[allow(clippy::duplicate_mod)]
#[path = "../twin/files.rs"]
mod files;
#[allow(clippy::duplicate_mod)]
#[path = "../twin/mirror.rs"]
mod mirror;
#[allow(clippy::duplicate_mod)]
#[path = "../twin/proxy.rs"]
pub(crate) mod proxy;
#[allow(clippy::duplicate_mod)]
#[path = "../twin/segments.rs"]
mod segments;
#[allow(clippy::duplicate_mod)]
#[path = "../twin/transfer.rs"]
mod transfer;

pub use client::Ftp;

/// How a mirror makes the sessions of its other workers (and a fresh one
/// when a connection dies): any `Fn() -> impl Future<Output =
/// Result<Ftp, Error>> + Sync` closure, `|| async { .. }`, that connects
/// and logs in. (A closure returning a future rather than an async
/// closure: rustc cannot yet prove a future `Send` that awaits a generic
/// async closure's call, and tokio's `spawn` needs `Send`.)
///
/// ```no_run
/// use ftp_std::Options;
/// use ftp_std::tokio::Ftp;
/// let connect = || async {
///     let mut ftp = Ftp::connect("ftp.example.com", 21, &Options::default()).await?;
///     ftp.login("anonymous", "", "").await?;
///     Ok(ftp)
/// };
/// # fn takes(_: &impl ftp_std::tokio::Connect) {}
/// takes(&connect);
/// ```
pub trait Connect: Sync {
    /// The future of [`Connect::connect`].
    type Future: std::future::Future<Output = Result<Ftp, Error>>;
    /// A new session, logged in.
    fn connect(&self) -> Self::Future;
}

impl<F, Fut> Connect for F
where
    F: Fn() -> Fut + Sync,
    Fut: std::future::Future<Output = Result<Ftp, Error>>,
{
    type Future = Fut;

    fn connect(&self) -> Fut {
        self()
    }
}
pub use mirror::{mirror, mirror_up};
pub use segments::download_segmented;

/// What takes the caller's own readers and writers: tokio's `AsyncRead`
/// and `AsyncWrite` here, `std::io` in the blocking twin.
impl Ftp {
    /// Retrieves in binary mode into `out` (ftplib's `retrbinary`): `cmd`
    /// is `"RETR name"`; with `rest`, from that offset. Complete only when
    /// the data reached its end and the server's final reply is 2xx.
    pub async fn retrbinary<W: AsyncWrite + Unpin + ?Sized>(
        &mut self,
        cmd: &str,
        out: &mut W,
        rest: Option<u64>,
    ) -> Result<crate::Reply, Error> {
        Ok(self.retr_to(&self.wire(cmd)?, out, rest).await?.1)
    }

    /// Stores in binary mode from `input` (ftplib's `storbinary`): `cmd` is
    /// `"STOR name"`; with `rest`, the server writes from that offset.
    pub async fn storbinary<R: AsyncRead + Unpin + ?Sized>(
        &mut self,
        cmd: &str,
        input: &mut R,
        rest: Option<u64>,
    ) -> Result<crate::Reply, Error> {
        let kind = TransferType::Binary;
        Ok(self
            .stor_from(&self.wire(cmd)?, kind, input, rest, |_| {})
            .await?)
    }

    /// Stores text from `input` in ASCII mode, line ends sent as CRLF
    /// (ftplib's `storlines`).
    pub async fn storlines<R: AsyncRead + Unpin + ?Sized>(
        &mut self,
        cmd: &str,
        input: &mut R,
    ) -> Result<crate::Reply, Error> {
        let kind = TransferType::Ascii;
        Ok(self
            .stor_from(&self.wire(cmd)?, kind, input, None, |_| {})
            .await?)
    }

    /// Appends `input` to a remote file (APPE) in binary mode.
    pub async fn appe<R: AsyncRead + Unpin + ?Sized>(
        &mut self,
        path: &str,
        input: &mut R,
    ) -> Result<crate::Reply, Error> {
        let cmd = self.wire(&format!("APPE {path}"))?.into_owned();
        let kind = TransferType::Binary;
        Ok(self.stor_from(&cmd, kind, input, None, |_| {}).await?)
    }

    /// Starts a transfer and hands over the data stream and the size the
    /// server announced (ftplib's `ntransfercmd`). Read or write it (tokio's
    /// `AsyncRead`/`AsyncWrite`), then give it to [`Ftp::end_transfer`].
    pub async fn ntransfercmd(
        &mut self,
        cmd: &str,
        rest: Option<u64>,
    ) -> Result<(DataStream, Option<u64>), Error> {
        Ok(self.session.ntransfercmd(&*self.wire(cmd)?, rest).await?)
    }

    /// Ends a transfer [`Ftp::ntransfercmd`] started: closes the data
    /// stream cleanly and reads the final reply, which must be 2xx.
    pub async fn end_transfer(&mut self, stream: DataStream) -> Result<crate::Reply, Error> {
        let reply = self
            .session
            .finish_transfer(stream, Ok(()), None, 0)
            .await?;
        Ok(text(reply))
    }
}
