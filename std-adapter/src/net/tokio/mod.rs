//! The tokio runtime's connections: the control stream, data
//! connections, and how a session starts on a connected socket.

mod control;
mod data;

use ftp_core_macros::asynch as bisync;
use tokio::net::TcpStream;

use crate::net::clock::ReplyClock;
use crate::net::proxy::Target;
use crate::net::tls::TlsContext;
use crate::runtime::tokio as rt;
use crate::{Error, Options, Security};

pub use connector::{Connector, DataListener};
pub use control::Control;
pub use data::DataStream;

use ftp_core::asynch::DataConnector;

// Written once for both runtimes, loaded once per runtime on purpose:
// data connections, the proxies' handshakes.
#[allow(clippy::duplicate_mod)]
#[path = "../connector.rs"]
mod connector;
#[allow(clippy::duplicate_mod)]
#[path = "../handshake.rs"]
pub(crate) mod handshake;

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

/// The control connection of a session.
pub(crate) fn control(session: &mut Session) -> &mut Control {
    session.control_mut()
}

/// The session on a connected socket: TLS first when implicit, then the
/// welcome.
pub(crate) async fn start(
    tcp: TcpStream,
    tls: Option<&TlsContext>,
    options: &Options,
    via_proxy: Option<Target>,
) -> Result<Session, Error> {
    tcp.set_nodelay(true)?;
    crate::net::data::set_keepalive(socket2::SockRef::from(&tcp), options.keepalive);
    let local = tcp.local_addr()?;
    let peer = tcp.peer_addr()?;
    let clock = ReplyClock::new(options.reply_timeout);
    let mut control = Control::new(tcp, clock.clone());
    if options.security == Security::Implicit
        && let Some(tls) = tls
    {
        control.start_tls(tls).await?;
    }
    let connector = Connector::new(local, options, clock, via_proxy);
    let mut session = ftp_core::asynch::Ftp::connect(control, connector, peer).await?;
    session.set_pasv(options.passive);
    session.set_trust_server_pasv_ipv4_address(options.trust_server_pasv_ipv4_address);
    session.set_verify_data_peer(options.verify_data_peer);
    Ok(session)
}
