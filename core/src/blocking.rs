//! The blocking twin: the session and the data connector over
//! `embedded_io::{Read, Write}`, compiled from `twin/` with every `async`
//! and `.await` removed. Its items are re-exported at the crate root
//! (`ftp_core::Ftp`, `ftp_core::DataConnector`).

use ftp_core_macros::blocking as bisync;

/// The I/O traits of this twin, and what it does its own way.
pub(crate) mod io {
    pub use embedded_io::{Read, Write};

    use super::data::DataConnector;
    use crate::reply::ReplyReader;
    use crate::transfer::{Accepted, Watched, refusal_begins};

    /// Active mode: waits for the server's data connection while watching
    /// the control connection, through the connector
    /// ([`DataConnector::accept_or_control`]); bytes that came there are
    /// read into `reader` (they are ready: no wait) to see whether they
    /// begin a refusal.
    pub(crate) fn accept_watching<D, S, const N: usize>(
        data: &mut D,
        listener: D::Listener,
        control: &mut S,
        reader: &mut ReplyReader<N>,
    ) -> Watched<D::Stream, S::Error>
    where
        S: Read + embedded_io::ReadReady,
        D: DataConnector<Error = S::Error>,
    {
        if !reader.pending().is_empty() {
            return decide(data, listener, reader);
        }
        match data.accept_or_control(listener, control) {
            Ok(Accepted::Connection(stream, from)) => Watched::Accepted(Ok((stream, from))),
            Err(e) => Watched::Accepted(Err(e)),
            Ok(Accepted::ControlReady(listener)) => {
                let space = reader.space();
                if space.is_empty() {
                    return Watched::Accepted(data.accept(listener));
                }
                match control.read(space) {
                    // The end of the control connection: the session's
                    // read reports it.
                    Ok(0) => Watched::Reply,
                    Ok(n) => {
                        reader.commit(n);
                        decide(data, listener, reader)
                    }
                    Err(e) => Watched::ControlError(e),
                }
            }
        }
    }

    fn decide<D: DataConnector, const N: usize>(
        data: &mut D,
        listener: D::Listener,
        reader: &ReplyReader<N>,
    ) -> Watched<D::Stream, D::Error> {
        if refusal_begins(reader.pending()) {
            Watched::Reply
        } else {
            Watched::Accepted(data.accept(listener))
        }
    }
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
