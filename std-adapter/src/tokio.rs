//! The async session on tokio (feature `tokio`): the methods of the
//! blocking [`crate::Ftp`], async, from the same source (the files
//! written once, with `async` and `.await` kept), over tokio's sockets and files.
//!
//! - FTPS through the blocking side's TLS pump (`net/pump.rs`: rustls,
//!   its read-ahead) with the blocking side's verification
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

use ftp_core_macros::asynch as bisync;

pub use crate::net::tokio::{Connector, Control, DataListener, DataStream, Session};

use crate::Error;
use crate::net::tokio as net;
use crate::runtime::tokio as rt;

written_once!();

pub use client::{Ftp, fxp};

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
pub use pool::Pool;

/// What the tokio session's transfers take from the caller: a writer for
/// a download, a reader for an upload (every tokio `AsyncWrite + Unpin`
/// and `AsyncRead + Unpin` is one).
pub mod io {
    pub use crate::runtime::tokio::{Sink, Source};
}
pub use probe::probe;
pub use retry::{fetch_retrying, put_retrying};
pub use segments::download_segmented;

/// The future of [`crate::UrlConnect`]'s connect.
type Opening = std::pin::Pin<Box<dyn std::future::Future<Output = Result<Ftp, Error>> + Send>>;

/// Each session connects and logs in as [`Ftp::open`] does.
impl Connect for crate::UrlConnect {
    type Future = Opening;

    fn connect(&self) -> Opening {
        let (url, options) = (self.url().clone(), self.options().clone());
        Box::pin(async move { Ftp::open(&url, &options).await })
    }
}
