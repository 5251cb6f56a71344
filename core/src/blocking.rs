//! The blocking twin: the session and the data connector over
//! `embedded_io::{Read, Write}`, compiled from `twin/` with every `async`
//! and `.await` removed. Its items are re-exported at the crate root
//! (`ftp_core::Ftp`, `ftp_core::DataConnector`).

use ftp_core_macros::blocking as bisync;

/// The I/O traits of this twin.
pub(crate) mod io {
    pub use embedded_io::{Read, Write};
}

// Loaded twice on purpose: once per twin.
#[allow(clippy::duplicate_mod)]
#[path = "twin/data.rs"]
pub(crate) mod data;
#[cfg(feature = "alloc")]
#[allow(clippy::duplicate_mod)]
#[path = "twin/owned.rs"]
mod owned;
#[allow(clippy::duplicate_mod)]
#[path = "twin/session.rs"]
pub(crate) mod session;
