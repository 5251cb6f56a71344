//! # ftp-core
//!
//! A `no_std`, allocation-free FTP client core: Python ftplib's `FTP` API
//! (RFC 959 with RFC 2228/4217 FTPS commands, RFC 2428 EPSV/EPRT and
//! RFC 3659 SIZE/MDTM/REST/MLSD) over any blocking
//! [`embedded_io`] stream.
//!
//! Layers, data flowing one way:
//!
//! - protocol, pure functions over bytes: [`reply`] (the incremental reply
//!   reader), [`command`] (checked command encoding), [`pasv`]
//!   (227/229/PORT/EPRT), [`path`] (257), [`size`] (150/213),
//!   [`timestamp`] (MDTM), [`mlsd`] and [`list`] (listings);
//! - the session, [`Ftp`], over a control stream and a [`DataConnector`];
//! - adapters: `smoltcp_io` (feature `smoltcp`) here; std sockets and
//!   TLS in `ftp-std`.
//!
//! The core never allocates (unless the `alloc` feature's convenience
//! methods are used), never reads a clock (timeouts belong to the streams)
//! and never panics on what a server sends.
//!
//! ```
//! use ftp_core::reply::{ReplyReader, Status};
//! let mut reader = ReplyReader::<128>::new();
//! reader.feed(b"227 Entering Passive Mode (127,0,0,1,195,80).\r\n");
//! assert_eq!(reader.parse(|_| {}), Ok(Status::Complete));
//! let addr = ftp_core::pasv::parse_227(reader.reply().unwrap().text()).unwrap();
//! assert_eq!(addr.port(), 50000);
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

#[cfg(any(test, feature = "alloc"))]
extern crate alloc;
#[cfg(test)]
#[macro_use]
extern crate std;

#[macro_use]
mod fmt;

pub mod ascii;
#[cfg(feature = "async")]
pub mod asynch;
mod blocking;
pub mod command;
#[doc(hidden)]
pub mod doc_support;
mod error;
mod fault;
pub mod list;
pub mod mlsd;
#[cfg(feature = "alloc")]
mod owned;
pub mod pasv;
pub mod path;
pub mod replies;
pub mod reply;
pub mod size;
#[cfg(feature = "smoltcp")]
pub mod smoltcp_io;
mod text;
pub mod timestamp;
pub mod transfer;

/// Opens data connections for the blocking session (the async twin's is
/// `asynch::DataConnector` (feature `async`)).
///
/// ```
/// use core::net::SocketAddr;
/// use embedded_io::{ErrorKind, ErrorType, Read, Write};
/// use ftp_core::DataConnector;
///
/// /// A data stream that serves fixed bytes (a real one wraps a socket).
/// struct Canned(&'static [u8]);
/// impl ErrorType for Canned {
///     type Error = ErrorKind;
/// }
/// impl Read for Canned {
///     fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
///         let n = buf.len().min(self.0.len());
///         buf[..n].copy_from_slice(&self.0[..n]);
///         self.0 = &self.0[n..];
///         Ok(n)
///     }
/// }
/// impl Write for Canned {
///     fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
///         Ok(buf.len())
///     }
///     fn flush(&mut self) -> Result<(), ErrorKind> {
///         Ok(())
///     }
/// }
///
/// /// A connector for a device that only does passive mode.
/// struct PassiveOnly;
/// impl DataConnector for PassiveOnly {
///     type Error = ErrorKind;
///     type Stream = Canned;
///     type Listener = ();
///     fn connect(&mut self, _addr: SocketAddr) -> Result<Canned, ErrorKind> {
///         Ok(Canned(b"file contents"))
///     }
///     fn listen(&mut self) -> Result<((), SocketAddr), ErrorKind> {
///         Err(ErrorKind::Unsupported)
///     }
///     fn accept(&mut self, _listener: ()) -> Result<(Canned, SocketAddr), ErrorKind> {
///         Err(ErrorKind::Unsupported)
///     }
/// }
///
/// let mut stream = PassiveOnly.connect("127.0.0.1:2121".parse().unwrap()).unwrap();
/// let mut buf = [0u8; 32];
/// assert_eq!(stream.read(&mut buf), Ok(13));
/// ```
pub use blocking::data::DataConnector;
/// The blocking session (the async twin is `asynch::Ftp` (feature `async`)).
///
/// ```
/// # use ftp_core::doc_support::{Scripted, NoData};
/// use ftp_core::Ftp;
/// let control = Scripted::new(&[
///     (b"", b"220 Service ready\r\n"),
///     (b"USER anonymous\r\n", b"331 Please specify the password.\r\n"),
///     (b"PASS anonymous@\r\n", b"230 Login successful.\r\n"),
///     (b"CWD debian\r\n", b"250 Directory successfully changed.\r\n"),
///     (b"QUIT\r\n", b"221 Goodbye.\r\n"),
/// ]);
/// let peer = "127.0.0.1:21".parse().unwrap();
/// let mut ftp: Ftp<_, _> = Ftp::connect(control, NoData, peer)?;
/// assert_eq!(ftp.login("", "", "")?.text(), b"230 Login successful.");
/// ftp.cwd("debian")?;
/// ftp.quit()?;
/// # Ok::<(), ftp_core::Error<embedded_io::ErrorKind>>(())
/// ```
pub use blocking::session::Ftp;
pub use command::Command;
pub use embedded_io;
pub use error::{Error, InvalidArgument, ProtocolError, REPLY_ERROR_TEXT, ReplyError};
#[cfg(feature = "alloc")]
pub use owned::OwnedEntry;
pub use reply::{Code, Reply};
pub use text::Text;
pub use timestamp::Timestamp;
pub use transfer::{Accepted, DEFAULT_REPLY_BUFFER, TransferType, WELCOME_CAPACITY};
