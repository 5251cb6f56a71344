// A session's start on a connected socket, written once for both
// runtimes: TLS first when implicit, then the welcome, the session's
// settings from the options.

use super::bisync;
use super::rt;
use super::{Connector, Control, CoreFtp, Session, core_control};
use crate::net::clock::ReplyClock;
use crate::net::data::set_keepalive;
use crate::net::proxy::Target;
use crate::net::tls::TlsContext;
use crate::{Error, Options, Security};

/// The session on a connected socket: TLS first when implicit, then the
/// welcome.
#[bisync]
pub(crate) async fn start(
    tcp: rt::Tcp,
    tls: Option<&TlsContext>,
    options: &Options,
    via_proxy: Option<Target>,
) -> Result<Session, Error> {
    tcp.set_nodelay(true)?;
    set_keepalive(socket2::SockRef::from(&tcp), options.keepalive);
    rt::write_deadline(&tcp, options.reply_timeout)?;
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
    let mut session = CoreFtp::connect(core_control(control), connector, peer).await?;
    session.set_pasv(options.passive);
    session.set_trust_server_pasv_ipv4_address(options.trust_server_pasv_ipv4_address);
    session.set_verify_data_peer(options.verify_data_peer);
    Ok(session)
}
