//! What the data connections of both runtimes share: their settings,
//! the close policy's limits, keepalive, and how a stall is reported.

use std::io;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use crate::net::clock::ReplyClock;
use crate::net::tls::TlsContext;

/// How much a TLS data stream reads, at most, after the transfer while it
/// waits for the server to close (session tickets, close_notify). An
/// abandoned download is not read to its end.
pub(crate) const DRAIN_LIMIT: usize = 256 * 1024;

/// How long a TLS data stream waits for the server's close_notify after
/// its own, before it sends FIN.
pub(crate) const PEER_CLOSE_WAIT: Duration = Duration::from_millis(1000);

/// What closing a data stream takes, from what the stream did: the close
/// policy of both runtimes' data streams, which each carries out in its
/// order (handshake, close_notify, the wait for the server's, FIN, drain).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Close {
    /// Say nothing: a clear-text stream the server ended, or a TLS stream
    /// whose transfer never began (the server refused the command and
    /// will run no handshake).
    pub(crate) silent: bool,
    /// Finish the TLS handshake first (an empty upload may not have).
    pub(crate) handshake: bool,
    /// Send close_notify.
    pub(crate) close_notify: bool,
    /// Through a proxy: wait a moment ([`PEER_CLOSE_WAIT`]) for the
    /// server's close_notify before FIN.
    pub(crate) await_peer: bool,
    /// After FIN, read what the server still sends (at most
    /// [`DRAIN_LIMIT`]) unless it ended the stream meanwhile, so nothing
    /// unread makes the kernel reset the connection under the server's
    /// last reads (the cause of curl's 426 on TLS 1.3 uploads).
    pub(crate) drain: bool,
    /// A failure of the goodbye fails the transfer: not once the server
    /// ended the stream (ours may then find the socket closed).
    pub(crate) strict: bool,
}

/// The close policy: `ended` (the server ended the stream), `tls`, `used`
/// (something was read, written or flushed), `handshaking` (TLS not up
/// yet), `patient` (through a proxy).
pub(crate) fn close_policy(
    ended: bool,
    tls: bool,
    used: bool,
    handshaking: bool,
    patient: bool,
) -> Close {
    let silent = (ended && !tls) || (tls && !used && handshaking);
    Close {
        silent,
        handshake: !silent && tls && handshaking,
        close_notify: !silent && tls,
        await_peer: !silent && tls && patient,
        drain: !silent && tls && used && !ended,
        strict: !silent && !ended,
    }
}

/// A socket timeout shows as `WouldBlock` on Unix: say what happened.
pub(crate) fn stalled(e: io::Error, timeout: Option<Duration>) -> io::Error {
    match e.kind() {
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => io::Error::new(
            io::ErrorKind::TimedOut,
            format!(
                "the data connection stalled for {:?}",
                timeout.unwrap_or_default()
            ),
        ),
        _ => e,
    }
}

/// What a data connector of either twin knows: where and how to connect,
/// the timeouts, TLS after PROT P, and the reply clock it restarts.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) local: SocketAddr,
    pub(crate) source: Option<IpAddr>,
    pub(crate) connect_timeout: Option<Duration>,
    pub(crate) data_timeout: Option<Duration>,
    pub(crate) keepalive: Option<Duration>,
    pub(crate) tls: Option<TlsContext>,
    pub(crate) clock: ReplyClock,
    /// The proxy every data connection goes through, and the server as
    /// the control connection reached it through the proxy (its host name
    /// for `socks5h://` and HTTP, its address for `socks5://`): data
    /// connections go there, at the port PASV or EPSV gave.
    pub(crate) proxy: Option<(crate::Proxy, crate::net::proxy::Target)>,
}

impl Settings {
    pub(crate) fn new(
        local: SocketAddr,
        options: &crate::Options,
        clock: ReplyClock,
        via_proxy: Option<crate::net::proxy::Target>,
    ) -> Self {
        Settings {
            local,
            source: options.source_address,
            connect_timeout: options.connect_timeout,
            data_timeout: options.data_timeout,
            keepalive: options.keepalive,
            tls: None,
            clock,
            proxy: options.proxy.clone().zip(via_proxy),
        }
    }
}

/// TCP keepalive on a socket: the first probe after `idle` without
/// traffic, then every quarter of that, so a NAT gateway does not forget
/// a control connection that waits through a long transfer (most drop
/// idle mappings after 2 to 5 minutes). Best effort: a system without
/// the option (some WASI hosts) goes on without it.
pub(crate) fn set_keepalive(tcp: socket2::SockRef<'_>, idle: Option<Duration>) {
    let Some(idle) = idle else {
        return;
    };
    let params = socket2::TcpKeepalive::new().with_time(idle);
    #[cfg(any(
        target_os = "linux",
        target_os = "android",
        target_os = "macos",
        target_os = "freebsd",
        target_os = "windows",
        target_os = "wasi"
    ))]
    let params = params.with_interval((idle / 4).max(Duration::from_secs(1)));
    if let Err(e) = tcp.set_tcp_keepalive(&params) {
        log::debug!("TCP keepalive not set: {e}");
    }
}

/// What a data stream of either runtime keeps beside its socket: TLS
/// (after PROT P), what happened on it, and so how it closes.
pub(crate) struct DataState {
    /// TLS after PROT P; its handshake runs at the first read, write or
    /// flush (the server runs it only once it has the transfer command).
    pub(crate) tls: Option<crate::net::pump::Pump>,
    /// The server ended the stream (EOF or its close_notify).
    pub(crate) ended: bool,
    /// Something was read, written or flushed: the transfer began.
    pub(crate) used: bool,
    /// The data timeout of each read and write.
    pub(crate) timeout: Option<Duration>,
    /// Through a proxy: wait for the server's close_notify before FIN.
    pub(crate) patient: bool,
}

impl DataState {
    /// A new stream's state; `eager`: the runtime's socket says "not now"
    /// instead of waiting (see `Pump::eager`).
    pub(crate) fn new(settings: &Settings, eager: bool) -> io::Result<DataState> {
        let tls = match &settings.tls {
            Some(tls) => {
                let pump = crate::net::pump::Pump::new(tls.connection()?, crate::net::pump::AHEAD);
                Some(if eager { pump.eager() } else { pump })
            }
            None => None,
        };
        Ok(DataState {
            tls,
            ended: false,
            used: false,
            timeout: settings.data_timeout,
            patient: settings.proxy.is_some(),
        })
    }

    /// True when the TLS handshake resumed the control connection's
    /// session (false before the handshake and for clear-text streams).
    pub(crate) fn is_resumed(&self) -> bool {
        self.tls
            .as_ref()
            .is_some_and(|p| p.conn().handshake_kind() == Some(rustls::HandshakeKind::Resumed))
    }

    /// What closing the stream takes now ([`close_policy`]).
    pub(crate) fn close_plan(&self) -> Close {
        let handshaking = self.tls.as_ref().is_some_and(|p| p.conn().is_handshaking());
        close_policy(
            self.ended,
            self.tls.is_some(),
            self.used,
            handshaking,
            self.patient,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::{Close, close_policy};

    const SILENT: Close = Close {
        silent: true,
        handshake: false,
        close_notify: false,
        await_peer: false,
        drain: false,
        strict: false,
    };

    #[test]
    fn the_close_policy() {
        // ended, tls, used, handshaking, patient
        assert_eq!(
            close_policy(true, false, true, false, false),
            SILENT,
            "a download ended"
        );
        assert_eq!(
            close_policy(false, true, false, true, true),
            SILENT,
            "a refused command"
        );
        let upload = close_policy(false, true, true, false, false);
        assert!(upload.close_notify && upload.drain && upload.strict);
        assert!(!upload.handshake && !upload.await_peer);
        let empty = close_policy(false, true, true, true, false);
        assert!(empty.handshake && empty.close_notify);
        let proxied = close_policy(false, true, true, false, true);
        assert!(proxied.await_peer && proxied.drain);
        let ended_tls = close_policy(true, true, true, false, false);
        assert!(ended_tls.close_notify && !ended_tls.drain && !ended_tls.strict);
        let clear = close_policy(false, false, true, false, true);
        assert!(!clear.silent && !clear.close_notify && !clear.await_peer && !clear.drain);
        assert!(clear.strict);
    }
}
