//! # ftp-std
//!
//! The FTP client over `std::net` (and, with the feature `tokio`, over
//! tokio), with Python ftplib's `FTP` and `FTP_TLS` methods on [`Ftp`],
//! built on the `no_std` protocol core (`ftp-core`).
//!
//! - IPv4 and IPv6, passive (EPSV, then PASV) and active (EPRT/PORT) mode,
//!   a source address; timeouts for connects, for each whole reply (a
//!   server trickling bytes cannot hold the client) and for data transfers.
//! - FTPS with rustls (ring): explicit (AUTH TLS) and implicit, PROT P/C,
//!   CCC. Certificates are verified against the system roots or a CA file;
//!   data connections resume the control connection's TLS session (vsftpd's
//!   `require_ssl_reuse`), and uploads end with close_notify before the
//!   final reply is read.
//! - File helpers that never leave a truncated file under the final name,
//!   resume with REST and report progress ([`Ftp::download_with`],
//!   [`Ftp::upload_with`]).
//! - `ftp://user:pass@host:port/path` and `ftps://` URLs ([`Url`]), with
//!   credentials from `~/.netrc` ([`Netrc`]).
//! - Bulk work on a [`Pool`] of N sessions kept between jobs: mirroring
//!   whole trees both ways ([`Pool::mirror`], [`mirror`]) and segmented
//!   downloads ([`Pool::download_segmented`]), with one retry and
//!   connection-limit policy.
//! - With the feature `tokio`, all of it async on tokio (`ftp_std::tokio`):
//!   the same methods from the same source, every future `Send`, safe to
//!   drop half-way.
//!
//! ```no_run
//! use ftp_std::{Ftp, Options, Security, Url};
//!
//! // FTP_TLS: login() secures the control connection first.
//! let options = Options::default().security(Security::Explicit);
//! let mut ftp = Ftp::connect("ftp.example.com", 21, &options)?;
//! ftp.login("anonymous", "", "")?;
//! ftp.prot_p()?;
//! for line in ftp.dir(None)? {
//!     println!("{line}");
//! }
//! ftp.quit()?;
//!
//! // A URL, credentials from ~/.netrc when it has none.
//! let url = Url::parse("ftp://ftp.example.com/pub/file.iso")?;
//! let mut ftp = Ftp::open(&url, &Options::default())?;
//! let done = ftp.download_with(&url.path, "file.iso", true, |p| {
//!     eprintln!("{} of {:?}", p.done, p.total);
//! })?;
//! println!("{} bytes, resumed at {}", done.bytes, done.offset);
//! # Ok::<(), ftp_std::Error>(())
//! ```

#![forbid(unsafe_code)]
#![warn(missing_docs)]

/// Builder methods for option structs: `field(value)` sets the field.
macro_rules! setters {
    ($($field:ident: $ty:ty),* $(,)?) => {
        $(
            #[doc = concat!("Sets [`Self::", stringify!($field), "`].")]
            pub fn $field(mut self, value: $ty) -> Self {
                self.$field = value;
                self
            }
        )*
    };
}

// Base: values every layer uses.
pub mod encoding;
mod error;
mod glob;
mod rate;
mod reply;
mod verify;

// The layers, runtime < net < session < files < bulk: each imports only
// the base and the layers below it (tests/layers.rs checks).
mod bulk;
mod files;
mod net;
mod runtime;
mod session;

/// The session, file and bulk files written once, loaded into a side
/// (`blocking.rs`, `tokio.rs`) with its `bisync`, `rt` and `net` in scope.
macro_rules! written_once {
    () => {
        #[allow(clippy::duplicate_mod)]
        #[path = "session/client.rs"]
        pub(crate) mod client;
        #[allow(clippy::duplicate_mod)]
        #[path = "files/helpers.rs"]
        pub(crate) mod files;
        #[allow(clippy::duplicate_mod)]
        #[path = "bulk/mirror/run.rs"]
        pub(crate) mod mirror;
        #[allow(clippy::duplicate_mod)]
        #[path = "bulk/pool.rs"]
        pub(crate) mod pool;
        #[allow(clippy::duplicate_mod)]
        #[path = "bulk/probe.rs"]
        pub(crate) mod probe;
        #[allow(clippy::duplicate_mod)]
        #[path = "bulk/retry.rs"]
        pub(crate) mod retry;
        #[allow(clippy::duplicate_mod)]
        #[path = "bulk/seat.rs"]
        pub(crate) mod seat;
        #[allow(clippy::duplicate_mod)]
        #[path = "bulk/segments.rs"]
        pub(crate) mod segments;
        #[allow(clippy::duplicate_mod)]
        #[path = "session/transfer.rs"]
        pub(crate) mod transfer;
    };
}

// The two sides, each the session, file and bulk code compiled for
// its runtime: `ftp_std::Ftp` and `ftp_std::tokio::Ftp`.
mod blocking;
#[cfg(feature = "tokio")]
pub mod tokio;

pub use blocking::Connect;
pub use blocking::client::{Ftp, FxpDone, fxp};
pub use blocking::mirror::{mirror, mirror_up};
pub use blocking::pool::Pool;
pub use blocking::probe::probe;
pub use blocking::retry::{fetch_retrying, put_retrying};
pub use blocking::segments::download_segmented;
pub use bulk::{Probe, Retries, TlsProbe, UrlConnect};

/// What the blocking session's transfers take from the caller: a writer
/// for a download, a reader for an upload (every `std::io::Write` and
/// `std::io::Read` is one).
pub mod io {
    pub use crate::runtime::blocking::{Sink, Source};
}
pub use bulk::mirror::{MirrorOptions, MirrorProgress, Problem, Summary, unsafe_name};
pub use encoding::Encoding;
pub use error::{Error, TlsError};
pub use files::{Fetch, Progress, Put, Segmented, Transferred, part_path, upload_temp_name};
pub use ftp_core;
pub use ftp_core::{OwnedEntry, Timestamp};
pub use glob::glob_match;
pub use net::blocking::{Connector, Control, DataListener, DataStream, Session};
pub use net::netrc::{Netrc, NetrcEntry};
pub use net::options::{Cancel, HostCommand, Options, Security};
pub use net::proxy::{Proxy, ProxyKind, bypasses};
pub use net::stream::IoStream;
pub use net::tls::{TlsMax, Verify, parse_pinned_keys};
pub use net::url::{Scheme, Url};
pub use rate::RateLimit;
pub use reply::Reply;
pub use rustls;
pub use session::{ListVia, Listed, Listing, TimeCommand};
pub use verify::{Algorithm, Checksum, Verification};

/// The reply buffer of desktop sessions: long paths and banners fit.
pub const REPLY_BUFFER: usize = 8192;
