// Data connections, written once for both runtimes: where they go
// (passive: the server's port, through the proxy when there is one;
// active: a listener on the control connection's address, or a SOCKS5
// proxy's BIND), the reply clock restarted when a transfer's connection
// is up or ends, and the close policy's entry points. What a data stream
// is (its TLS, its reads and writes) is each runtime's `data.rs`.

use std::io;
use std::net::SocketAddr;

use super::bisync;
use super::handshake::{bind_accept, bind_via, connect_via};
use super::rt;
use super::{CoreStream, DataConnector, DataStream, core_stream, data_stream};
use crate::net::clock::ReplyClock;
use crate::net::data::{Settings, set_keepalive};
use crate::net::proxy::Target;
use crate::net::tls::TlsContext;

/// Opens data connections: passive connects (from the source address when
/// one is set), active listens on the control connection's local address.
/// After PROT P, streams are TLS clients resuming the control's session.
#[derive(Debug, Clone)]
pub struct Connector {
    settings: Settings,
}

/// Where an active-mode data connection is awaited: a socket of ours, or
/// a SOCKS5 proxy's BIND (the proxy listens; its second reply says the
/// server connected).
#[derive(Debug)]
pub enum DataListener {
    /// A listening socket.
    Socket(rt::Listener),
    /// A connection to the proxy that asked it to BIND.
    Proxy(rt::Tcp),
}

#[bisync]
impl Connector {
    pub(crate) fn new(
        local: SocketAddr,
        options: &crate::Options,
        clock: ReplyClock,
        via_proxy: Option<Target>,
    ) -> Self {
        Connector {
            settings: Settings::new(local, options, clock, via_proxy),
        }
    }

    /// Wraps data streams in TLS from now on (`Some`, after PROT P) or not.
    pub(crate) fn set_tls(&mut self, tls: Option<TlsContext>) {
        self.settings.tls = tls;
    }

    /// True when data streams are TLS-wrapped.
    pub fn is_tls(&self) -> bool {
        self.settings.tls.is_some()
    }

    /// A TCP connection to the data port `addr` (through the proxy when
    /// there is one).
    async fn tcp(&self, addr: SocketAddr) -> io::Result<rt::Tcp> {
        let s = &self.settings;
        match &s.proxy {
            Some((proxy, server)) => {
                connect_via(
                    proxy,
                    &server.at_port(addr.port()),
                    s.source,
                    s.connect_timeout,
                )
                .await
            }
            None => rt::tcp_connect(addr, s.source, s.connect_timeout).await,
        }
    }

    /// The server's connection through the proxy's BIND. The session
    /// checks that data connections come from its peer, which through a
    /// proxy is the proxy: that is what this returns; the proxy's BIND
    /// was for the server's address, which its second reply names.
    async fn bound(&self, mut tcp: rt::Tcp) -> io::Result<(rt::Tcp, SocketAddr)> {
        let Some((proxy, server)) = &self.settings.proxy else {
            return Err(io::Error::other("a BIND without a proxy"));
        };
        let timeout = self.settings.connect_timeout;
        let from = bind_accept(&mut tcp, proxy, server, timeout).await?;
        log::debug!("data connection through the proxy's BIND, from {from:?}");
        let proxy_addr = tcp.peer_addr()?;
        Ok((tcp, proxy_addr))
    }

    /// A connected socket as a data stream: Nagle off (writes are large;
    /// with it the last partial segment of an upload waits for the
    /// server's delayed ACK, 40 ms a file), keepalive, then the runtime's
    /// stream (TLS after PROT P; the handshake runs at the first read or
    /// write, since the server starts it only once it has the transfer
    /// command).
    fn stream(&self, tcp: rt::Tcp) -> io::Result<DataStream> {
        tcp.set_nodelay(true)?;
        set_keepalive(socket2::SockRef::from(&tcp), self.settings.keepalive);
        DataStream::open(tcp, &self.settings)
    }

    /// After an accept: the server's reply to the transfer command comes
    /// next, and the accepted socket becomes a data stream (nothing is
    /// read or sent yet, no TLS handshake: the session checks `from`
    /// first).
    fn accepted(
        &mut self,
        accepted: io::Result<(rt::Tcp, SocketAddr)>,
    ) -> io::Result<(CoreStream, SocketAddr)> {
        self.settings.clock.restart();
        let (tcp, from) = accepted?;
        Ok((core_stream(self.stream(tcp)?), from))
    }
}

#[bisync]
impl DataConnector for Connector {
    type Error = io::Error;
    type Stream = CoreStream;
    type Listener = DataListener;

    async fn connect(&mut self, addr: SocketAddr) -> io::Result<CoreStream> {
        let tcp = self.tcp(addr).await?;
        let mut stream = self.stream(tcp)?;
        stream.send_hello();
        Ok(core_stream(stream))
    }

    async fn release(&mut self, addr: SocketAddr) -> io::Result<()> {
        // A plain TCP connection, closed at once: no TLS handshake.
        drop(self.tcp(addr).await?);
        Ok(())
    }

    async fn listen(&mut self) -> io::Result<(DataListener, SocketAddr)> {
        let s = &self.settings;
        if let Some((proxy, server)) = &s.proxy {
            let (tcp, bound) =
                bind_via(proxy, &server.at_port(0), s.source, s.connect_timeout).await?;
            return Ok((DataListener::Proxy(tcp), bound));
        }
        let listener = rt::listen(SocketAddr::new(s.local.ip(), 0)).await?;
        let addr = listener.local_addr()?;
        Ok((DataListener::Socket(listener), addr))
    }

    async fn accept(&mut self, listener: DataListener) -> io::Result<(CoreStream, SocketAddr)> {
        let accepted = match listener {
            DataListener::Socket(listener) => {
                rt::accept(&listener, self.settings.connect_timeout).await
            }
            DataListener::Proxy(tcp) => self.bound(tcp).await,
        };
        self.accepted(accepted)
    }

    /// The blocking side's way to wait for the server's connection while
    /// watching the control connection (the async side's session does it
    /// with a `select`).
    #[bisync(blocking)]
    fn accept_or_control<R: embedded_io::ReadReady>(
        &mut self,
        listener: DataListener,
        control: &mut R,
    ) -> io::Result<ftp_core::Accepted<CoreStream, DataListener>> {
        let DataListener::Socket(socket) = listener else {
            // A proxy's BIND: its second reply is awaited as it is.
            let (stream, from) = self.accept(listener)?;
            return Ok(ftp_core::Accepted::Connection(stream, from));
        };
        let accepted = rt::accept_watching(&socket, self.settings.connect_timeout, || {
            control
                .read_ready()
                .map_err(|e| io::Error::new(embedded_io::Error::kind(&e).into(), "control"))
        });
        match accepted {
            Ok(None) => Ok(ftp_core::Accepted::ControlReady(DataListener::Socket(
                socket,
            ))),
            Ok(Some(pair)) => {
                let (stream, from) = self.accepted(Ok(pair))?;
                Ok(ftp_core::Accepted::Connection(stream, from))
            }
            Err(e) => self
                .accepted(Err(e))
                .map(|(s, f)| ftp_core::Accepted::Connection(s, f)),
        }
    }

    async fn close(&mut self, stream: CoreStream) -> io::Result<()> {
        let result = data_stream(stream).shutdown().await;
        // The final reply is awaited from now on.
        self.settings.clock.restart();
        result
    }

    fn abort(&mut self, stream: CoreStream) {
        // A reset, not a FIN: the server stops sending at once.
        data_stream(stream).reset();
        self.settings.clock.restart();
    }
}
