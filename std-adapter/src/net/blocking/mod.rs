//! The blocking runtime's connections: the control stream, data
//! connections, and how a session starts on a connected socket.

mod control;
mod data;

use ftp_core_macros::blocking as bisync;

use crate::IoStream;
use crate::runtime::blocking as rt;

pub use connector::{Connector, DataListener};
pub use control::Control;
pub use data::DataStream;

use ftp_core::DataConnector;

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

use ftp_core::Ftp as CoreFtp;
pub(crate) use start::start;

/// The core session of the blocking runtime.
pub type Session = ftp_core::Ftp<IoStream<Control>, Connector, { crate::REPLY_BUFFER }>;

/// The data stream of the core session.
pub(crate) type CoreStream = IoStream<DataStream>;

/// The data stream a caller gets from the core's.
pub(crate) fn data_stream(stream: CoreStream) -> DataStream {
    stream.0
}

/// The core's data stream of a caller's.
pub(crate) fn core_stream(stream: DataStream) -> CoreStream {
    IoStream(stream)
}

/// What only this runtime keeps in a session: the pipe downloads splice
/// through (Linux).
#[derive(Default)]
pub(crate) struct Extra {
    #[cfg(target_os = "linux")]
    pub(crate) pipe: Option<crate::net::kernel::Pipe>,
}

/// The control connection of a session.
pub(crate) fn control(session: &mut Session) -> &mut Control {
    &mut session.control_mut().0
}

/// The core session's control stream of a control connection.
fn core_control(control: Control) -> IoStream<Control> {
    IoStream(control)
}
