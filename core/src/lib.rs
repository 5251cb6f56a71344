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

pub mod command;
mod data;
#[doc(hidden)]
pub mod doc_support;
mod error;
pub mod list;
pub mod mlsd;
#[cfg(feature = "alloc")]
mod owned;
pub mod pasv;
pub mod path;
pub mod reply;
mod session;
pub mod size;
#[cfg(feature = "smoltcp")]
pub mod smoltcp_io;
mod text;
pub mod timestamp;

pub use command::Command;
pub use data::DataConnector;
pub use embedded_io;
pub use error::{Error, InvalidArgument, ProtocolError, REPLY_ERROR_TEXT, ReplyError};
#[cfg(feature = "alloc")]
pub use owned::OwnedEntry;
pub use reply::{Code, Reply};
pub use session::{DEFAULT_REPLY_BUFFER, Ftp, TransferType, WELCOME_CAPACITY};
pub use text::Text;
pub use timestamp::Timestamp;
