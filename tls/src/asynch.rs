//! The async twin (feature `async`): the same types over
//! `embedded_io_async` and ftp-core's async session (ftp-embassy).

use ftp_core_macros::asynch as bisync;

/// The I/O traits of this twin.
pub(crate) mod io {
    pub use embedded_io_async::{Read, Write};
    pub use ftp_core::asynch::DataConnector;
}

/// A read of bytes the stream says are there: its future polled once
/// (it is ready at once; one that is not is dropped unstarted, which
/// loses nothing), since `ReadReady` cannot wait.
fn read_now<T: embedded_io_async::Read>(
    io: &mut T,
    buf: &mut [u8],
) -> Option<Result<usize, T::Error>> {
    let mut read = core::pin::pin!(io.read(buf));
    let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
    match read.as_mut().poll(&mut cx) {
        core::task::Poll::Ready(r) => Some(r),
        core::task::Poll::Pending => None,
    }
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
