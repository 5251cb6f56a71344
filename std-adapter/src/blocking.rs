//! The blocking side: the code written once for both runtimes
//! (`session/`, `files/`, `bulk/`) with every `async` and `.await`
//! removed, over the blocking runtime ([`crate::runtime::blocking`]) and
//! connections ([`crate::net::blocking`]); its items are re-exported at
//! the crate root (`ftp_std::Ftp`, `ftp_std::mirror`).

use ftp_core_macros::blocking as bisync;

use crate::Error;
use crate::net::blocking as net;
use crate::runtime::blocking as rt;

written_once!();

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

/// Each session connects and logs in as [`Ftp::open`] does.
impl Connect for crate::UrlConnect {
    fn connect(&self) -> Result<Ftp, Error> {
        Ftp::open(self.url(), self.options())
    }
}
