//! The blocking side: the code written once for both runtimes
//! (`session/`, `files/`, `bulk/`) with every `async` and `.await`
//! removed, over the blocking runtime ([`crate::runtime::blocking`]) and
//! connections ([`crate::net::blocking`]); its items are re-exported at
//! the crate root (`ftp_std::Ftp`, `ftp_std::mirror`).

use std::io::{Read, Write};

use ftp_core::TransferType;
use ftp_core_macros::blocking as bisync;

use crate::Error;
use crate::net::blocking as net;
use crate::runtime::blocking as rt;

// Loaded once per runtime on purpose.
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
#[path = "bulk/seat.rs"]
pub(crate) mod seat;
#[allow(clippy::duplicate_mod)]
#[path = "bulk/segments.rs"]
pub(crate) mod segments;
#[allow(clippy::duplicate_mod)]
#[path = "session/transfer.rs"]
pub(crate) mod transfer;

use client::Ftp;

/// How a mirror makes the sessions of its other workers (and a fresh one
/// when a connection dies): any `Fn() -> Result<Ftp, Error> + Sync`
/// closure that connects and logs in.
///
/// ```no_run
/// use ftp_std::{Ftp, Options};
/// let connect = || {
///     let mut ftp = Ftp::connect("ftp.example.com", 21, &Options::default())?;
///     ftp.login("anonymous", "", "")?;
///     Ok(ftp)
/// };
/// # fn takes(_: &impl ftp_std::Connect) {}
/// takes(&connect);
/// ```
pub trait Connect: Sync {
    /// A new session, logged in.
    fn connect(&self) -> Result<Ftp, Error>;
}

impl<F: Fn() -> Result<Ftp, Error> + Sync> Connect for F {
    fn connect(&self) -> Result<Ftp, Error> {
        self()
    }
}

/// What takes the caller's own readers and writers: `std::io` here,
/// tokio's `AsyncRead`/`AsyncWrite` in the tokio twin.
impl Ftp {
    /// Retrieves in binary mode into `out` (ftplib's `retrbinary`): `cmd`
    /// is `"RETR name"`; with `rest`, from that offset. Complete only when
    /// the data reached its end and the server's final reply is 2xx.
    pub fn retrbinary<W: Write + ?Sized>(
        &mut self,
        cmd: &str,
        out: &mut W,
        rest: Option<u64>,
    ) -> Result<crate::Reply, Error> {
        Ok(self.retr_to(&self.wire(cmd)?, out, rest)?.1)
    }

    /// Stores in binary mode from `input` (ftplib's `storbinary`): `cmd` is
    /// `"STOR name"`; with `rest`, the server writes from that offset.
    pub fn storbinary<R: Read + ?Sized>(
        &mut self,
        cmd: &str,
        input: &mut R,
        rest: Option<u64>,
    ) -> Result<crate::Reply, Error> {
        Ok(self.stor_from(&self.wire(cmd)?, TransferType::Binary, input, rest, |_| {})?)
    }

    /// Stores text from `input` in ASCII mode, line ends sent as CRLF
    /// (ftplib's `storlines`).
    pub fn storlines<R: Read + ?Sized>(
        &mut self,
        cmd: &str,
        input: &mut R,
    ) -> Result<crate::Reply, Error> {
        Ok(self.stor_from(&self.wire(cmd)?, TransferType::Ascii, input, None, |_| {})?)
    }

    /// Appends `input` to a remote file (APPE) in binary mode.
    pub fn appe<R: Read + ?Sized>(
        &mut self,
        path: &str,
        input: &mut R,
    ) -> Result<crate::Reply, Error> {
        let cmd = self.wire(&format!("APPE {path}"))?.into_owned();
        Ok(self.stor_from(&cmd, TransferType::Binary, input, None, |_| {})?)
    }
}

/// Each session connects and logs in as [`Ftp::open`] does.
impl Connect for crate::UrlConnect {
    fn connect(&self) -> Result<Ftp, Error> {
        Ftp::open(self.url(), self.options())
    }
}
