//! # ftp-embassy
//!
//! ftp-core's async session ([`ftp_core::asynch::Ftp`]) on embassy-net: a
//! control stream ([`Control`]) and a data connector ([`Connector`]) over
//! embassy-net's TCP sockets, for firmware on embassy. No heap, no
//! `unsafe`: the sockets and their buffers are the caller's. Every wait
//! is bounded by a timeout from embassy-time; Nagle is off (FTP is
//! request and reply); a data connection ends with FIN and waits for the
//! acknowledgement of the last bytes, so an upload arrives whole.
//!
//! ```no_run
//! # async fn demo(stack: embassy_net::Stack<'_>) -> Result<(), ftp_core::Error<ftp_embassy::NetError>> {
//! use embassy_net::tcp::TcpSocket;
//! use embassy_time::Duration;
//! use ftp_core::asynch::Ftp;
//! use ftp_embassy::{Connector, Control};
//!
//! let (mut crx, mut ctx) = ([0u8; 1024], [0u8; 512]);
//! let (mut drx, mut dtx) = ([0u8; 4096], [0u8; 4096]);
//! let timeout = Duration::from_secs(10);
//! let server = "192.0.2.1:21".parse().unwrap();
//! let control = Control::connect(TcpSocket::new(stack, &mut crx, &mut ctx), server, timeout)
//!     .await
//!     .map_err(ftp_core::Error::Io)?;
//! let data = Connector::new(TcpSocket::new(stack, &mut drx, &mut dtx), timeout);
//! let mut ftp: Ftp<_, _> = Ftp::connect(control, data, server).await?;
//! ftp.login("device", "secret", "").await?;
//! let mut block = [0u8; 1024];
//! ftp.retrbinary("RETR firmware.bin", &mut block, None, async |b| {
//!     // write `b` to flash with an async driver
//!     Ok(())
//! }).await?;
//! ftp.quit().await?;
//! # Ok(())
//! # }
//! ```

#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

use core::fmt;
use core::net::{IpAddr, SocketAddr};

use embassy_net::tcp::{State, TcpSocket};
use embassy_net::{IpAddress, IpEndpoint, IpListenEndpoint};
use embassy_time::{Duration, Timer, with_timeout};
use embedded_io::{ErrorKind, ErrorType};

/// What can go wrong on an embassy-net connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
#[non_exhaustive]
pub enum NetError {
    /// Nothing happened within the timeout.
    TimedOut,
    /// The peer reset the connection (or refused it).
    ConnectionReset,
    /// No route to the address (or the address is not IPv4).
    NoRoute,
    /// The socket was in the wrong state for the operation.
    InvalidState,
}

impl fmt::Display for NetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NetError::TimedOut => "timed out",
            NetError::ConnectionReset => "connection reset",
            NetError::NoRoute => "no route to the address",
            NetError::InvalidState => "socket in the wrong state",
        })
    }
}

impl core::error::Error for NetError {}

impl embedded_io::Error for NetError {
    fn kind(&self) -> ErrorKind {
        match self {
            NetError::TimedOut => ErrorKind::TimedOut,
            NetError::ConnectionReset => ErrorKind::ConnectionReset,
            NetError::NoRoute => ErrorKind::AddrNotAvailable,
            NetError::InvalidState => ErrorKind::Other,
        }
    }
}

fn endpoint(addr: SocketAddr) -> Result<IpEndpoint, NetError> {
    match addr {
        SocketAddr::V4(v4) => Ok(IpEndpoint::new(IpAddress::Ipv4(*v4.ip()), v4.port())),
        SocketAddr::V6(_) => Err(NetError::NoRoute),
    }
}

fn socket_addr(ep: IpEndpoint) -> Option<SocketAddr> {
    match ep.addr {
        IpAddress::Ipv4(ip) => Some(SocketAddr::new(IpAddr::V4(ip), ep.port)),
        // IPv6 enabled in embassy-net by another crate, not here.
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

/// Runs `fut` within `timeout`.
async fn within<T>(
    timeout: Duration,
    fut: impl core::future::Future<Output = Result<T, NetError>>,
) -> Result<T, NetError> {
    with_timeout(timeout, fut)
        .await
        .map_err(|_| NetError::TimedOut)?
}

/// Connects `socket` to `remote` (a fresh local port from the stack),
/// within `timeout`, with Nagle off.
async fn connect_socket(
    socket: &mut TcpSocket<'_>,
    remote: SocketAddr,
    timeout: Duration,
) -> Result<(), NetError> {
    reset(socket, timeout).await;
    let remote = endpoint(remote)?;
    within(timeout, async {
        socket.connect(remote).await.map_err(|e| match e {
            embassy_net::tcp::ConnectError::NoRoute => NetError::NoRoute,
            embassy_net::tcp::ConnectError::InvalidState => NetError::InvalidState,
            _ => NetError::ConnectionReset,
        })
    })
    .await
}

/// Ends a connection cleanly: FIN after what is queued, the peer's
/// acknowledgement of it, then its FIN (within the timeout; a peer that
/// does not finish is reset).
async fn close_socket(socket: &mut TcpSocket<'_>, timeout: Duration) -> Result<(), NetError> {
    socket.close();
    let flushed = within(timeout, async {
        socket.flush().await.map_err(|_| NetError::ConnectionReset)
    })
    .await;
    let closed = within(timeout, async {
        // Everything acknowledged, our FIN included (FIN-WAIT-2), or the
        // peer's FIN too: a bounded wait on the socket's state. The peer's
        // FIN itself is not awaited: a server that never accepted the
        // connection (a transfer it refused) never sends one, and the
        // socket is reset before its next use.
        while !matches!(
            socket.state(),
            State::Closed | State::TimeWait | State::FinWait2
        ) {
            Timer::after(Duration::from_millis(2)).await;
        }
        Ok(())
    })
    .await;
    if closed.is_err() {
        socket.abort();
        let _ = within(timeout, async {
            socket.flush().await.map_err(|_| NetError::ConnectionReset)
        })
        .await;
    }
    flushed.and(closed)
}

/// A stream over one embassy-net TCP socket; every read, write and flush
/// waits at most the timeout.
pub struct Control<'a> {
    socket: TcpSocket<'a>,
    timeout: Duration,
}

impl<'a> Control<'a> {
    /// Connects `socket` to the server and returns the control stream.
    pub async fn connect(
        mut socket: TcpSocket<'a>,
        server: SocketAddr,
        timeout: Duration,
    ) -> Result<Self, NetError> {
        connect_socket(&mut socket, server, timeout).await?;
        Ok(Control { socket, timeout })
    }

    /// Ends the connection cleanly and gives the socket back.
    pub async fn close(mut self) -> (TcpSocket<'a>, Result<(), NetError>) {
        let result = close_socket(&mut self.socket, self.timeout).await;
        (self.socket, result)
    }

    /// Gives the socket back as it is (a connection that is gone or out of
    /// step: the next `connect` resets it).
    pub fn into_socket(self) -> TcpSocket<'a> {
        self.socket
    }
}

/// The socket's read, write and flush, each within `timeout`.
macro_rules! timed_io {
    ($t:ty, $field:ident) => {
        impl ErrorType for $t {
            type Error = NetError;
        }

        impl embedded_io_async::Read for $t {
            async fn read(&mut self, buf: &mut [u8]) -> Result<usize, NetError> {
                let socket = &mut self.$field;
                within(self.timeout, async {
                    socket
                        .read(buf)
                        .await
                        .map_err(|_| NetError::ConnectionReset)
                })
                .await
            }
        }

        impl embedded_io_async::Write for $t {
            async fn write(&mut self, buf: &[u8]) -> Result<usize, NetError> {
                let socket = &mut self.$field;
                within(self.timeout, async {
                    socket
                        .write(buf)
                        .await
                        .map_err(|_| NetError::ConnectionReset)
                })
                .await
            }

            async fn flush(&mut self) -> Result<(), NetError> {
                let socket = &mut self.$field;
                within(self.timeout, async {
                    socket.flush().await.map_err(|_| NetError::ConnectionReset)
                })
                .await
            }
        }
    };
}

timed_io!(Control<'_>, socket);

/// Ready when received bytes wait (or the peer closed): the session looks
/// here before each command for replies nobody asked for.
impl embedded_io::ReadReady for Control<'_> {
    fn read_ready(&mut self) -> Result<bool, NetError> {
        Ok(self.socket.can_recv() || !self.socket.may_recv())
    }
}

/// A data connection: the connector's socket, lent to the transfer and
/// given back when the session closes (or aborts) it.
pub struct DataStream<'a> {
    socket: TcpSocket<'a>,
    timeout: Duration,
}

timed_io!(DataStream<'_>, socket);

/// Opens data connections on one socket (FTP has one data connection at a
/// time), reset before each use: passive mode connects it from a fresh
/// local port of the stack; active mode listens on it (at the address
/// given to [`Connector::set_active_address`]) and waits for the server.
/// A data stream the caller drops instead of handing it back to the
/// session keeps the socket: the next transfer then fails with
/// [`NetError::InvalidState`].
pub struct Connector<'a> {
    socket: Option<TcpSocket<'a>>,
    timeout: Duration,
    active: Option<core::net::Ipv4Addr>,
    next_port: u16,
}

impl<'a> Connector<'a> {
    /// Data connections on `socket`, each operation waiting at most
    /// `timeout`.
    pub fn new(socket: TcpSocket<'a>, timeout: Duration) -> Self {
        Connector {
            socket: Some(socket),
            timeout,
            active: None,
            next_port: 0,
        }
    }

    /// Active mode: the device's address to announce, and a seed for its
    /// listening ports (give something that differs between boots).
    pub fn set_active_address(&mut self, ip: core::net::Ipv4Addr, port_seed: u16) {
        self.active = Some(ip);
        self.next_port = port_seed;
    }

    /// Gives the socket back for another connector (a new session on the
    /// same buffers); `None` when a data stream kept it (dropped by the
    /// caller instead of handed back to the session).
    pub fn into_socket(self) -> Option<TcpSocket<'a>> {
        self.socket
    }

    fn take(&mut self) -> Result<TcpSocket<'a>, NetError> {
        self.socket.take().ok_or(NetError::InvalidState)
    }
}

/// Ephemeral ports: 49152 to 65535 (RFC 6335).
const EPHEMERAL: u16 = 49152;

/// Makes a used socket ready for a new connection.
async fn reset(socket: &mut TcpSocket<'_>, timeout: Duration) {
    if socket.state() != State::Closed {
        socket.abort();
        let _ = within(timeout, async {
            socket.flush().await.map_err(|_| NetError::ConnectionReset)
        })
        .await;
    }
    socket.set_nagle_enabled(false);
}

impl<'a> ftp_core::asynch::DataConnector for Connector<'a> {
    type Error = NetError;
    type Stream = DataStream<'a>;
    type Listener = ();

    async fn connect(&mut self, addr: SocketAddr) -> Result<DataStream<'a>, NetError> {
        let mut socket = self.take()?;
        match connect_socket(&mut socket, addr, self.timeout).await {
            Ok(()) => Ok(DataStream {
                socket,
                timeout: self.timeout,
            }),
            Err(e) => {
                self.socket = Some(socket);
                Err(e)
            }
        }
    }

    async fn listen(&mut self) -> Result<((), SocketAddr), NetError> {
        let ip = self.active.ok_or(NetError::InvalidState)?;
        let socket = self.socket.as_mut().ok_or(NetError::InvalidState)?;
        reset(socket, self.timeout).await;
        self.next_port = self.next_port.wrapping_add(1);
        let port = EPHEMERAL + self.next_port % (u16::MAX - EPHEMERAL);
        // embassy-net listens when `accept` is first polled: poll it once
        // now, so the socket listens before PORT goes out; `accept` below
        // then waits for the connection.
        let endpoint = IpListenEndpoint { addr: None, port };
        let mut first = core::pin::pin!(socket.accept(endpoint));
        let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
        if let core::task::Poll::Ready(Err(_)) = first.as_mut().poll(&mut cx) {
            return Err(NetError::InvalidState);
        }
        Ok(((), SocketAddr::new(IpAddr::V4(ip), port)))
    }

    async fn accept(&mut self, _: ()) -> Result<(DataStream<'a>, SocketAddr), NetError> {
        let socket = self.socket.as_mut().ok_or(NetError::InvalidState)?;
        within(self.timeout, async {
            loop {
                match socket.state() {
                    State::Established | State::CloseWait => return Ok(()),
                    State::Listen | State::SynReceived => {
                        Timer::after(Duration::from_millis(1)).await;
                    }
                    _ => return Err(NetError::ConnectionReset),
                }
            }
        })
        .await?;
        let from = socket
            .remote_endpoint()
            .and_then(socket_addr)
            .ok_or(NetError::InvalidState)?;
        let socket = self.take()?;
        Ok((
            DataStream {
                socket,
                timeout: self.timeout,
            },
            from,
        ))
    }

    async fn close(&mut self, mut stream: DataStream<'a>) -> Result<(), NetError> {
        let result = close_socket(&mut stream.socket, self.timeout).await;
        self.socket = Some(stream.socket);
        result
    }

    fn abort(&mut self, mut stream: DataStream<'a>) {
        stream.socket.abort();
        self.socket = Some(stream.socket);
    }
}
