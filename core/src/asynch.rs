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

/// The I/O traits of this twin, and what it does its own way.
pub(crate) mod io {
    pub use embedded_io_async::{Read, Write};

    use core::future::{Future, poll_fn};
    use core::pin::pin;
    use core::task::Poll;

    use super::data::DataConnector;
    use crate::reply::ReplyReader;
    use crate::transfer::{Watched, refusal_begins};

    /// Active mode: waits for the server's data connection and for bytes
    /// on the control connection at once; bytes that come are read into
    /// `reader`. A refusal (4xx, 5xx) or the control connection's end
    /// ends the wait (the accept is dropped); anything else leaves the
    /// reply for the transfer's end and waits for the connection alone,
    /// and so does a control read that timed out (one wait, the
    /// connector's).
    pub(crate) async fn accept_watching<D, S, const N: usize>(
        data: &mut D,
        listener: D::Listener,
        control: &mut S,
        reader: &mut ReplyReader<N>,
    ) -> Watched<D::Stream, S::Error>
    where
        S: Read,
        D: DataConnector<Error = S::Error>,
    {
        // One await of the accept (a second one doubled its state in the
        // future: 1.1 KiB of flash).
        match select(data.accept(listener), refusal(control, reader)).await {
            Either::First(accepted) => Watched::Accepted(accepted),
            Either::Second(Ok(())) => Watched::Reply,
            Either::Second(Err(e)) => Watched::ControlError(e),
        }
    }

    /// Ends when the control connection brings a refusal (or its end);
    /// bytes that begin anything else, and a read that timed out, leave
    /// it waiting for ever (the accept decides).
    async fn refusal<S: Read, const N: usize>(
        control: &mut S,
        reader: &mut ReplyReader<N>,
    ) -> Result<(), S::Error> {
        if reader.pending().is_empty() && !reader.space().is_empty() {
            match control.read(reader.space()).await {
                Ok(0) => return Ok(()),
                Ok(n) => reader.commit(n),
                Err(e) if embedded_io::Error::kind(&e) != embedded_io::ErrorKind::TimedOut => {
                    return Err(e);
                }
                Err(_) => {}
            }
        }
        if refusal_begins(reader.pending()) {
            return Ok(());
        }
        core::future::pending().await
    }

    enum Either<A, B> {
        First(A),
        Second(B),
    }

    /// The first of two futures to finish (`a` is polled first; the other
    /// is dropped).
    async fn select<A: Future, B: Future>(a: A, b: B) -> Either<A::Output, B::Output> {
        let mut a = pin!(a);
        let mut b = pin!(b);
        poll_fn(|cx| {
            if let Poll::Ready(x) = a.as_mut().poll(cx) {
                return Poll::Ready(Either::First(x));
            }
            if let Poll::Ready(y) = b.as_mut().poll(cx) {
                return Poll::Ready(Either::Second(y));
            }
            Poll::Pending
        })
        .await
    }
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
