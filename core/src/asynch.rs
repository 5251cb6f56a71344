//! The async twin (feature `async`): the same session and data connector
//! as the blocking ones, over `embedded_io_async::{Read, Write}`, with the
//! same constructors, names and arguments; every I/O method is an
//! `async fn`, and transfer callbacks may be async closures (a firmware
//! writes each block to flash with an async driver). Reply-line callbacks
//! (FEAT, STAT, HELP) stay plain closures.
//!
//! A future of this session can be dropped half-way (a timeout, a
//! `select`): the session then owes a reply it never read, and the next
//! call returns [`crate::ProtocolError::OutOfSync`] instead of reading that
//! reply as its own.
//!
//! ```
//! # use ftp_core::doc_support::{Scripted, NoData, block_on};
//! use ftp_core::asynch::Ftp;
//! # block_on(async {
//! let control = Scripted::new(&[
//!     (b"", b"220 Service ready\r\n"),
//!     (b"USER anonymous\r\n", b"331 Please specify the password.\r\n"),
//!     (b"PASS anonymous@\r\n", b"230 Login successful.\r\n"),
//!     (b"CWD debian\r\n", b"250 Directory successfully changed.\r\n"),
//!     (b"QUIT\r\n", b"221 Goodbye.\r\n"),
//! ]);
//! let peer = "127.0.0.1:21".parse().unwrap();
//! let mut ftp: Ftp<_, _> = Ftp::connect(control, NoData, peer).await?;
//! assert_eq!(ftp.login("", "", "").await?.text(), b"230 Login successful.");
//! ftp.cwd("debian").await?;
//! ftp.quit().await?;
//! # Ok::<(), ftp_core::Error<embedded_io::ErrorKind>>(())
//! # }).unwrap();
//! ```

use ftp_core_macros::asynch as bisync;

/// The I/O traits of this twin.
pub(crate) mod io {
    pub use embedded_io_async::{Read, Write};
}

// Loaded twice on purpose: once per twin.
#[allow(clippy::duplicate_mod)]
#[path = "twin/data.rs"]
mod data;
#[cfg(feature = "alloc")]
#[allow(clippy::duplicate_mod)]
#[path = "twin/owned.rs"]
mod owned;
#[allow(clippy::duplicate_mod)]
#[path = "twin/session.rs"]
mod session;

pub use data::DataConnector;
pub use session::Ftp;
