//! The session over smoltcp (feature `smoltcp`): a blocking
//! [`embedded_io`] stream over a smoltcp TCP socket ([`TcpStream`]) and a
//! [`DataConnector`] that opens data connections on a second socket of the
//! same socket set ([`Connector`]). Still `no_std`, no allocation: the
//! socket buffers are the caller's.
//!
//! Everything waits by polling the caller's interface, device and socket
//! set, kept together in a [`Stack`]; time comes from the caller's
//! [`Clock`] (nothing here reads a wall clock), and so do the timeouts.
//! When there is nothing to do, [`Clock::idle`] lets the caller sleep,
//! wait for an interrupt, or wait on its device.
//!
//! ```no_run
//! # fn demo<D: smoltcp::phy::Device, C: ftp_core::smoltcp_io::Clock>(
//! #     iface: smoltcp::iface::Interface, device: D, clock: C,
//! # ) -> Result<(), ftp_core::Error<ftp_core::smoltcp_io::NetError>> {
//! use core::cell::RefCell;
//! use ftp_core::smoltcp_io::{Connector, Stack, TcpStream};
//! use smoltcp::iface::{SocketSet, SocketStorage};
//! use smoltcp::socket::tcp;
//! use smoltcp::time::Duration;
//!
//! let (mut crx, mut ctx) = ([0u8; 1024], [0u8; 512]);
//! let (mut drx, mut dtx) = ([0u8; 8192], [0u8; 8192]);
//! let mut storage = [SocketStorage::EMPTY; 2];
//! let mut sockets = SocketSet::new(&mut storage[..]);
//! let control = sockets.add(tcp::Socket::new(
//!     tcp::SocketBuffer::new(&mut crx[..]),
//!     tcp::SocketBuffer::new(&mut ctx[..]),
//! ));
//! let data = sockets.add(tcp::Socket::new(
//!     tcp::SocketBuffer::new(&mut drx[..]),
//!     tcp::SocketBuffer::new(&mut dtx[..]),
//! ));
//! let stack = RefCell::new(Stack::new(iface, device, sockets, clock, 0x1234));
//! let server = "192.0.2.1:21".parse().unwrap();
//! let timeout = Duration::from_secs(10);
//! let stream = TcpStream::connect(&stack, control, server, timeout).map_err(ftp_core::Error::Io)?;
//! let connector = Connector::new(&stack, data, timeout);
//! let mut ftp: ftp_core::Ftp<_, _> = ftp_core::Ftp::connect(stream, connector, server)?;
//! ftp.login("anonymous", "", "")?;
//! let mut buf = [0u8; 1024];
//! ftp.retrbinary("RETR firmware.bin", &mut buf, None, |block| {
//!     // write the block to flash
//!     Ok(())
//! })?;
//! ftp.quit()?;
//! # Ok(())
//! # }
//! ```

use core::cell::RefCell;
use core::fmt;
use core::net::{IpAddr, SocketAddr};

use embedded_io::{ErrorKind, ErrorType, Read, Write};
use smoltcp::iface::{Interface, SocketHandle, SocketSet};
use smoltcp::phy::Device;
use smoltcp::socket::tcp::{self, State};
use smoltcp::time::{Duration, Instant};
use smoltcp::wire::{IpAddress, IpEndpoint};

use crate::DataConnector;

/// The caller's time, and its way of waiting.
pub trait Clock {
    /// The current time (a monotonic counter is enough).
    fn now(&mut self) -> Instant;

    /// Called when there is nothing to do for `delay` at most: sleep, wait
    /// for an interrupt or on the device, and return when a packet comes
    /// or `delay` is over. `delay` is the interface's next timer or the
    /// time left before the operation's deadline, whichever is first, so
    /// a timeout is noticed on a silent connection too. The default
    /// returns at once (busy polling).
    fn idle(&mut self, delay: Duration) {
        let _ = delay;
    }
}

/// What can go wrong on a smoltcp connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum NetError {
    /// Nothing happened within the timeout.
    TimedOut,
    /// The peer reset the connection, or it closed under us.
    ConnectionReset,
    /// Writing to a connection the peer no longer reads.
    NotConnected,
    /// The address cannot be reached (no route, unspecified, port 0).
    Unaddressable,
    /// The socket was in the wrong state for the operation.
    InvalidState,
}

impl fmt::Display for NetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NetError::TimedOut => "timed out",
            NetError::ConnectionReset => "connection reset",
            NetError::NotConnected => "not connected",
            NetError::Unaddressable => "address unreachable",
            NetError::InvalidState => "socket in the wrong state",
        })
    }
}

impl core::error::Error for NetError {}

/// smoltcp's address as core's (IPv6 with the `smoltcp-ipv6` feature).
fn to_ip(a: IpAddress) -> Option<IpAddr> {
    match a {
        IpAddress::Ipv4(v4) => Some(IpAddr::V4(v4)),
        #[cfg(feature = "smoltcp-ipv6")]
        IpAddress::Ipv6(v6) => Some(IpAddr::V6(v6)),
        // IPv6 enabled in smoltcp by another crate, not here.
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// core's socket address as smoltcp's endpoint.
fn to_endpoint(a: SocketAddr) -> Result<IpEndpoint, NetError> {
    match a {
        SocketAddr::V4(v4) => Ok(IpEndpoint::new(IpAddress::Ipv4(*v4.ip()), v4.port())),
        #[cfg(feature = "smoltcp-ipv6")]
        SocketAddr::V6(v6) => Ok(IpEndpoint::new(IpAddress::Ipv6(*v6.ip()), v6.port())),
        #[cfg(not(feature = "smoltcp-ipv6"))]
        SocketAddr::V6(_) => Err(NetError::Unaddressable),
    }
}

impl embedded_io::Error for NetError {
    fn kind(&self) -> ErrorKind {
        match self {
            NetError::TimedOut => ErrorKind::TimedOut,
            NetError::ConnectionReset => ErrorKind::ConnectionReset,
            NetError::NotConnected => ErrorKind::NotConnected,
            NetError::Unaddressable => ErrorKind::AddrNotAvailable,
            NetError::InvalidState => ErrorKind::Other,
        }
    }
}

/// The caller's network stack: interface, device, sockets and clock.
/// Shared through a `RefCell` by the control stream and the data
/// connector; each operation borrows it briefly.
pub struct Stack<'a, D: Device, C: Clock> {
    /// The interface (addresses, routes).
    pub iface: Interface,
    /// The device under it.
    pub device: D,
    /// The sockets: the control socket and the data socket among them.
    pub sockets: SocketSet<'a>,
    /// The caller's clock.
    pub clock: C,
    next_port: u16,
}

/// Ephemeral ports: 49152 to 65535 (RFC 6335).
const EPHEMERAL: u16 = 49152;

impl<'a, D: Device, C: Clock> Stack<'a, D, C> {
    /// Puts the parts together. `port_seed` picks the first local port;
    /// give something that differs between boots (a hardware random
    /// number, a counter in flash) so a reboot does not reuse the ports of
    /// connections the server still remembers.
    pub fn new(
        iface: Interface,
        device: D,
        sockets: SocketSet<'a>,
        clock: C,
        port_seed: u16,
    ) -> Self {
        Stack {
            iface,
            device,
            sockets,
            clock,
            next_port: port_seed,
        }
    }

    /// Polls the interface once; returns the time.
    pub fn poll(&mut self) -> Instant {
        let now = self.clock.now();
        self.iface.poll(now, &mut self.device, &mut self.sockets);
        now
    }

    /// Nothing to do: let the caller wait until the interface has work or
    /// the operation's deadline comes, whichever is first. (The
    /// interface's poll delay alone is "none" on a quiet connection: a
    /// device sleeping until a packet would then never see its timeout.)
    fn idle(&mut self, deadline: Instant) {
        let now = self.clock.now();
        let delay = idle_delay(self.iface.poll_delay(now, &self.sockets), now, deadline);
        self.clock.idle(delay);
    }

    /// A new local port for each connection.
    fn local_port(&mut self) -> u16 {
        self.next_port = self.next_port.wrapping_add(1);
        EPHEMERAL + self.next_port % (u16::MAX - EPHEMERAL)
    }

    fn socket(&mut self, handle: SocketHandle) -> &mut tcp::Socket<'a> {
        self.sockets.get_mut::<tcp::Socket<'a>>(handle)
    }

    /// The interface's first address of `family`'s kind (for active mode).
    fn address_like(&self, peer: IpAddr) -> Option<IpAddr> {
        self.iface
            .ip_addrs()
            .iter()
            .filter_map(|cidr| to_ip(cidr.address()))
            .find(|a| a.is_ipv4() == peer.is_ipv4())
    }
}

/// How long to idle: until the interface has work (`poll`, `None` when it
/// waits for a packet) or the deadline, whichever is first.
fn idle_delay(poll: Option<Duration>, now: Instant, deadline: Instant) -> Duration {
    let left = if deadline > now {
        deadline - now
    } else {
        Duration::ZERO
    };
    match poll {
        Some(p) if p < left => p,
        _ => left,
    }
}

/// Polls `stack` until `ready` says something (`Some`), or the timeout.
fn wait_for<'a, D, C, T>(
    stack: &RefCell<Stack<'a, D, C>>,
    handle: SocketHandle,
    timeout: Duration,
    mut ready: impl FnMut(&mut tcp::Socket<'a>) -> Option<Result<T, NetError>>,
) -> Result<T, NetError>
where
    D: Device,
    C: Clock,
{
    let mut stack = stack.borrow_mut();
    let deadline = stack.clock.now() + timeout;
    loop {
        let now = stack.poll();
        if let Some(result) = ready(stack.socket(handle)) {
            return result;
        }
        if now >= deadline {
            return Err(NetError::TimedOut);
        }
        stack.idle(deadline);
    }
}

/// A blocking stream over one smoltcp TCP socket. Each read, write or
/// flush waits at most the timeout for progress.
pub struct TcpStream<'s, 'a, D: Device, C: Clock> {
    stack: &'s RefCell<Stack<'a, D, C>>,
    handle: SocketHandle,
    timeout: Duration,
}

impl<'s, 'a, D: Device, C: Clock> TcpStream<'s, 'a, D, C> {
    /// Connects the socket `handle` to `remote` from a fresh local port and
    /// waits until the connection is up. Delayed ACKs are turned off (the
    /// FTP exchange is request and reply) and so is Nagle.
    pub fn connect(
        stack: &'s RefCell<Stack<'a, D, C>>,
        handle: SocketHandle,
        remote: SocketAddr,
        timeout: Duration,
    ) -> Result<Self, NetError> {
        {
            let mut s = stack.borrow_mut();
            let port = s.local_port();
            let Stack { iface, sockets, .. } = &mut *s;
            let socket = sockets.get_mut::<tcp::Socket<'a>>(handle);
            if socket.is_open() {
                socket.abort();
            }
            socket.set_ack_delay(None);
            socket.set_nagle_enabled(false);
            socket
                .connect(iface.context(), to_endpoint(remote)?, port)
                .map_err(|e| match e {
                    tcp::ConnectError::Unaddressable => NetError::Unaddressable,
                    _ => NetError::InvalidState,
                })?;
        }
        wait_for(stack, handle, timeout, |s| match s.state() {
            State::Established => Some(Ok(())),
            State::SynSent | State::SynReceived => None,
            _ => Some(Err(NetError::ConnectionReset)),
        })?;
        Ok(TcpStream {
            stack,
            handle,
            timeout,
        })
    }

    /// Ends the connection cleanly: sends what is queued, closes (FIN),
    /// then polls until the peer has acknowledged everything, FIN
    /// included (FIN-WAIT-2), or the socket is closed (or in TIME-WAIT,
    /// which is closed for us), within the timeout. The peer's own FIN is
    /// not awaited: a server that never accepted the connection (a
    /// transfer it refused before its data) never sends one, and the
    /// socket is reset before its next use anyway.
    pub fn close(self) -> Result<(), NetError> {
        let flushed = wait_for(self.stack, self.handle, self.timeout, |s| {
            (s.send_queue() == 0 || !s.may_send()).then_some(Ok(()))
        });
        self.stack.borrow_mut().socket(self.handle).close();
        let closed = wait_for(self.stack, self.handle, self.timeout, |s| {
            matches!(s.state(), State::Closed | State::TimeWait | State::FinWait2).then_some(Ok(()))
        });
        if closed.is_err() {
            // The peer did not finish its side in time: reset.
            self.stack.borrow_mut().socket(self.handle).abort();
            self.stack.borrow_mut().poll();
        }
        flushed.and(closed)
    }

    /// Resets the connection at once (no waiting for the peer), so the
    /// socket can be reused.
    pub fn abort(self) {
        let mut stack = self.stack.borrow_mut();
        stack.socket(self.handle).abort();
        stack.poll();
    }

    /// The connection's local address.
    pub fn local_addr(&self) -> Option<SocketAddr> {
        let mut stack = self.stack.borrow_mut();
        let ep = stack.socket(self.handle).local_endpoint()?;
        to_ip(ep.addr).map(|ip| SocketAddr::new(ip, ep.port))
    }
}

impl<D: Device, C: Clock> ErrorType for TcpStream<'_, '_, D, C> {
    type Error = NetError;
}

impl<D: Device, C: Clock> Read for TcpStream<'_, '_, D, C> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, NetError> {
        if buf.is_empty() {
            return Ok(0);
        }
        wait_for(self.stack, self.handle, self.timeout, |s| {
            if s.can_recv() {
                return Some(s.recv_slice(buf).map_err(|_| NetError::ConnectionReset));
            }
            match s.state() {
                // The peer sent FIN and everything before it was read.
                State::CloseWait | State::LastAck | State::Closing | State::TimeWait => Some(Ok(0)),
                State::Closed | State::Listen => Some(Err(NetError::ConnectionReset)),
                _ => None,
            }
        })
    }
}

/// Ready when received bytes wait in the socket (or the peer has closed):
/// the session looks here before each command for replies nobody asked
/// for. Polls the interface once, without waiting.
impl<D: Device, C: Clock> embedded_io::ReadReady for TcpStream<'_, '_, D, C> {
    fn read_ready(&mut self) -> Result<bool, NetError> {
        let mut stack = self.stack.borrow_mut();
        stack.poll();
        let s = stack.socket(self.handle);
        Ok(s.can_recv() || !s.may_recv())
    }
}

impl<D: Device, C: Clock> Write for TcpStream<'_, '_, D, C> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, NetError> {
        if buf.is_empty() {
            return Ok(0);
        }
        wait_for(self.stack, self.handle, self.timeout, |s| {
            if !s.may_send() {
                return Some(Err(NetError::NotConnected));
            }
            if s.can_send() {
                return match s.send_slice(buf) {
                    Ok(0) => None,
                    Ok(n) => Some(Ok(n)),
                    Err(_) => Some(Err(NetError::NotConnected)),
                };
            }
            None
        })
    }

    /// Waits until the peer acknowledged everything written.
    fn flush(&mut self) -> Result<(), NetError> {
        wait_for(self.stack, self.handle, self.timeout, |s| {
            if s.send_queue() == 0 {
                Some(Ok(()))
            } else if !s.may_send() {
                Some(Err(NetError::NotConnected))
            } else {
                None
            }
        })
    }
}

/// Opens data connections on one socket of the stack (FTP has one data
/// connection at a time): passive mode connects it, active mode listens on
/// it at the interface's address. Each connection gets a fresh local port.
pub struct Connector<'s, 'a, D: Device, C: Clock> {
    stack: &'s RefCell<Stack<'a, D, C>>,
    handle: SocketHandle,
    timeout: Duration,
    active_ip: Option<IpAddr>,
}

impl<'s, 'a, D: Device, C: Clock> Connector<'s, 'a, D, C> {
    /// Data connections on the socket `handle`, each operation waiting at
    /// most `timeout`.
    pub fn new(
        stack: &'s RefCell<Stack<'a, D, C>>,
        handle: SocketHandle,
        timeout: Duration,
    ) -> Self {
        Connector {
            stack,
            handle,
            timeout,
            active_ip: None,
        }
    }

    /// The address active mode announces (default: the interface's IPv4
    /// address, else its first); give the IPv6 one for an IPv6 server.
    pub fn set_active_address(&mut self, ip: IpAddr) {
        self.active_ip = Some(ip);
    }
}

/// Whether the listening data socket has its connection: the peer's
/// address once it is up, an error when it ended otherwise.
fn accepted_from(s: &mut tcp::Socket<'_>) -> Option<Result<SocketAddr, NetError>> {
    match s.state() {
        State::Established | State::CloseWait => Some(
            s.remote_endpoint()
                .and_then(|ep| Some(SocketAddr::new(to_ip(ep.addr)?, ep.port)))
                .ok_or(NetError::InvalidState),
        ),
        State::Listen | State::SynReceived => None,
        _ => Some(Err(NetError::ConnectionReset)),
    }
}

impl<'s, 'a, D: Device, C: Clock> Connector<'s, 'a, D, C> {
    /// The data socket as a stream, once connected.
    fn stream(&self) -> TcpStream<'s, 'a, D, C> {
        TcpStream {
            stack: self.stack,
            handle: self.handle,
            timeout: self.timeout,
        }
    }
}

impl<'s, 'a, D: Device, C: Clock> DataConnector for Connector<'s, 'a, D, C> {
    type Error = NetError;
    type Stream = TcpStream<'s, 'a, D, C>;
    /// The peer the listener waits for is not known in advance; the
    /// listening socket is the connector's own, so the listener is empty.
    type Listener = ();

    fn connect(&mut self, addr: SocketAddr) -> Result<Self::Stream, NetError> {
        TcpStream::connect(self.stack, self.handle, addr, self.timeout)
    }

    fn listen(&mut self) -> Result<((), SocketAddr), NetError> {
        let mut s = self.stack.borrow_mut();
        let port = s.local_port();
        // The interface's IPv4 address, else its first one.
        let any_v4 = IpAddr::V4(core::net::Ipv4Addr::UNSPECIFIED);
        let ip = self
            .active_ip
            .or_else(|| s.address_like(any_v4))
            .or_else(|| s.iface.ip_addrs().iter().find_map(|c| to_ip(c.address())))
            .ok_or(NetError::Unaddressable)?;
        let socket = s.socket(self.handle);
        if socket.is_open() {
            socket.abort();
        }
        socket.set_ack_delay(None);
        socket.set_nagle_enabled(false);
        socket.listen(port).map_err(|_| NetError::InvalidState)?;
        Ok(((), SocketAddr::new(ip, port)))
    }

    fn accept(&mut self, _listener: ()) -> Result<(Self::Stream, SocketAddr), NetError> {
        let from = wait_for(self.stack, self.handle, self.timeout, accepted_from)?;
        Ok((self.stream(), from))
    }

    /// The same wait, which also ends as soon as the control connection
    /// has bytes to read (a 425 instead of the connection); the interface
    /// is polled for both, and idles until a packet or the deadline.
    fn accept_or_control<R: embedded_io::ReadReady>(
        &mut self,
        listener: (),
        control: &mut R,
    ) -> Result<crate::Accepted<Self::Stream, ()>, NetError> {
        let deadline = self.stack.borrow_mut().clock.now() + self.timeout;
        loop {
            let (now, from) = {
                let mut stack = self.stack.borrow_mut();
                let now = stack.poll();
                (now, accepted_from(stack.socket(self.handle)))
            };
            if let Some(from) = from {
                return Ok(crate::Accepted::Connection(self.stream(), from?));
            }
            // An error there is the session's to see when it reads.
            if control.read_ready().unwrap_or(true) {
                return Ok(crate::Accepted::ControlReady(listener));
            }
            if now >= deadline {
                return Err(NetError::TimedOut);
            }
            self.stack.borrow_mut().idle(deadline);
        }
    }

    fn close(&mut self, stream: Self::Stream) -> Result<(), NetError> {
        stream.close()
    }

    fn abort(&mut self, stream: Self::Stream) {
        stream.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn idle_ends_at_the_deadline_on_a_quiet_connection() {
        let now = Instant::from_millis(1_000);
        let deadline = Instant::from_millis(11_000);
        // Nothing scheduled by the interface: wait until the deadline only.
        assert_eq!(idle_delay(None, now, deadline), Duration::from_secs(10));
        // A retransmission due earlier comes first.
        let soon = Duration::from_millis(200);
        assert_eq!(idle_delay(Some(soon), now, deadline), soon);
        // Later than the deadline: the deadline.
        let late = Duration::from_secs(60);
        assert_eq!(
            idle_delay(Some(late), now, deadline),
            Duration::from_secs(10)
        );
        // Past it: no wait.
        assert_eq!(idle_delay(None, deadline, now), Duration::ZERO);
    }
}
