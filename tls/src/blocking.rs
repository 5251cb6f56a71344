//! The blocking twin, over `embedded_io` and ftp-core's blocking session
//! (the smoltcp adapter); re-exported at the crate root.

use ftp_core_macros::blocking as bisync;

/// The I/O traits of this twin.
pub(crate) mod io {
    pub use embedded_io::{Read, Write};
    pub use ftp_core::DataConnector;
}

/// A read of bytes the stream says are there.
fn read_now<T: embedded_io::Read>(io: &mut T, buf: &mut [u8]) -> Option<Result<usize, T::Error>> {
    Some(io.read(buf))
}

// Loaded twice on purpose: once per twin.
#[allow(clippy::duplicate_mod)]
#[path = "twin/ftp.rs"]
mod ftp;
#[allow(clippy::duplicate_mod)]
#[path = "twin/stream.rs"]
mod stream;

pub use ftp::{MaybeTls, TlsData};
pub use stream::TlsStream;
