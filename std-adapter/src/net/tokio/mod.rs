//! The tokio runtime's connections: the control stream, data
//! connections, and how a session starts on a connected socket.

mod control;
mod data;

use ftp_core_macros::asynch as bisync;

use crate::runtime::tokio as rt;

pub use connector::{Connector, DataListener};
pub use control::Control;
pub use data::DataStream;

use ftp_core::asynch::DataConnector;

// Written once for both runtimes, loaded once per runtime on purpose:
// data connections, the proxies' handshakes, a session's start.
#[allow(clippy::duplicate_mod)]
#[path = "../connector.rs"]
mod connector;
#[allow(clippy::duplicate_mod)]
#[path = "../handshake.rs"]
pub(crate) mod handshake;
#[allow(clippy::duplicate_mod)]
#[path = "../start.rs"]
mod start;

use ftp_core::asynch::Ftp as CoreFtp;
pub(crate) use start::start;

/// The core's async session of the tokio runtime.
pub type Session = ftp_core::asynch::Ftp<Control, Connector, { crate::REPLY_BUFFER }>;

/// The data stream of the core session.
pub(crate) type CoreStream = DataStream;

/// The data stream a caller gets from the core's.
pub(crate) fn data_stream(stream: CoreStream) -> DataStream {
    stream
}

/// The core's data stream of a caller's.
pub(crate) fn core_stream(stream: DataStream) -> CoreStream {
    stream
}

/// Nothing only this runtime keeps in a session.
#[derive(Default)]
pub(crate) struct Extra {}

/// A tokio socket as the TLS pump's socket (`crate::net::pump`), within
/// one poll: `Pending` is `WouldBlock` (the waker is registered), and
/// [`ready`] turns it back.
pub(crate) struct Polled<'a, 'b> {
    pub(crate) tcp: &'a mut tokio::net::TcpStream,
    pub(crate) cx: &'a mut std::task::Context<'b>,
}

fn pending<T>(poll: std::task::Poll<std::io::Result<T>>) -> std::io::Result<T> {
    match poll {
        std::task::Poll::Ready(r) => r,
        std::task::Poll::Pending => Err(std::io::ErrorKind::WouldBlock.into()),
    }
}

/// A pump's result as a poll: `WouldBlock` is `Pending`.
pub(crate) fn ready<T>(r: std::io::Result<T>) -> std::task::Poll<std::io::Result<T>> {
    match r {
        Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => std::task::Poll::Pending,
        other => std::task::Poll::Ready(other),
    }
}

impl std::io::Read for Polled<'_, '_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let mut buf = tokio::io::ReadBuf::new(buf);
        let poll =
            tokio::io::AsyncRead::poll_read(std::pin::Pin::new(&mut *self.tcp), self.cx, &mut buf);
        pending(poll).map(|()| buf.filled().len())
    }
}

impl std::io::Write for Polled<'_, '_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        pending(tokio::io::AsyncWrite::poll_write(
            std::pin::Pin::new(&mut *self.tcp),
            self.cx,
            buf,
        ))
    }

    fn flush(&mut self) -> std::io::Result<()> {
        pending(tokio::io::AsyncWrite::poll_flush(
            std::pin::Pin::new(&mut *self.tcp),
            self.cx,
        ))
    }
}

/// The control connection of a session.
pub(crate) fn control(session: &mut Session) -> &mut Control {
    session.control_mut()
}

/// The core session's control stream of a control connection.
fn core_control(control: Control) -> Control {
    control
}
