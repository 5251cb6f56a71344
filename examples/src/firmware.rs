//! The firmware-style device program over a Linux TAP device (the
//! `firmware_tap` and `firmware_tls_tap` examples): ftp-core with the
//! `smoltcp` feature, fixed socket buffers, no heap in the FTP path (FTPS
//! needs one for rustls). Only the host-side bits (arguments, printing,
//! the local files standing in for flash, the clock) use std.

use std::cell::RefCell;

use std::os::fd::AsRawFd;
use std::sync::Arc;

use ftp_device::{Board, Failure, SlotError, say};

use ftp_core::Ftp;
use ftp_core::smoltcp_io::{Clock, Connector, Stack, TcpStream};
use ftp_tls::{MaybeTls, TlsData};
use smoltcp::iface::{Config, Interface, SocketSet, SocketStorage};
use smoltcp::phy::{Medium, TunTapInterface};
use smoltcp::socket::tcp;
use smoltcp::time::{Duration, Instant};
use smoltcp::wire::{EthernetAddress, IpAddress, IpCidr, Ipv4Address};

/// The device's clock: the host's monotonic time, and waiting on the TAP
/// file descriptor (a firmware would read a timer and sleep until an
/// interrupt).
struct TapClock {
    fd: i32,
    start: std::time::Instant,
}

impl Clock for TapClock {
    fn now(&mut self) -> Instant {
        Instant::from_micros(self.start.elapsed().as_micros() as i64)
    }

    fn idle(&mut self, delay: Duration) {
        let _ = smoltcp::phy::wait(self.fd, Some(delay));
    }
}

// The device's memory: socket buffers and the transfer buffer, fixed.
const CONTROL_RX: usize = 2048;
const CONTROL_TX: usize = 1024;
const DATA_RX: usize = 64 * 1024;
const DATA_TX: usize = 64 * 1024;

/// The device program over the TAP device; with `heap` (the counting
/// allocator), explicit FTPS (AUTH TLS, PBSZ 0, PROT P) with the CA file
/// of the last argument, and the most heap it held at the end.
pub fn run(args: &[String], heap: Option<&crate::PeakAlloc>) -> Result<(), String> {
    let tls = heap.is_some();
    let (args, ca) = match (tls, args) {
        (false, args) => (args, None),
        (true, [args @ .., ca]) => (args, Some(ca)),
        (true, []) => (args, None),
    };
    let ([tap, server, user, pass, dir, file, out, log, remote_log], false) =
        (args, tls && ca.is_none())
    else {
        return Err(if tls {
            "usage: firmware_tls_tap TAP SERVER_IP:PORT USER PASSWORD DIR FILE OUT LOG REMOTE_LOG CA_FILE"
        } else {
            "usage: firmware_tap TAP SERVER_IP:PORT USER PASSWORD DIR FILE OUT LOG REMOTE_LOG"
        }
        .into());
    };
    let server: std::net::SocketAddr = server.parse().map_err(|e| format!("{server}: {e}"))?;
    let mut board = crate::HostBoard::new(out, log)?;

    let mut device =
        TunTapInterface::new(tap, Medium::Ethernet).map_err(|e| format!("{tap}: {e}"))?;
    let fd = device.as_raw_fd();
    let mut clock = TapClock {
        fd,
        start: std::time::Instant::now(),
    };
    let mac = EthernetAddress([0x02, 0x00, 0x00, 0x00, 0x00, 0x02]);
    let mut iface = Interface::new(Config::new(mac.into()), &mut device, clock.now());
    iface.update_ip_addrs(|addrs| {
        let _ = addrs.push(IpCidr::new(IpAddress::v4(192, 0, 2, 2), 24));
    });
    iface
        .routes_mut()
        .add_default_ipv4_route(Ipv4Address::new(192, 0, 2, 1))
        .map_err(|e| format!("route: {e}"))?;

    let mut control_rx = [0u8; CONTROL_RX];
    let mut control_tx = [0u8; CONTROL_TX];
    let mut data_rx = [0u8; DATA_RX];
    let mut data_tx = [0u8; DATA_TX];
    let mut storage = [SocketStorage::EMPTY; 2];
    let mut sockets = SocketSet::new(&mut storage[..]);
    let control = sockets.add(tcp::Socket::new(
        tcp::SocketBuffer::new(&mut control_rx[..]),
        tcp::SocketBuffer::new(&mut control_tx[..]),
    ));
    let data = sockets.add(tcp::Socket::new(
        tcp::SocketBuffer::new(&mut data_rx[..]),
        tcp::SocketBuffer::new(&mut data_tx[..]),
    ));
    // A port seed that differs between runs, as a device's would between
    // boots.
    let seed = (std::process::id() as u16).wrapping_mul(7919);
    let stack = RefCell::new(Stack::new(iface, device, sockets, clock, seed));
    let tap_device = crate::device(dir, file, remote_log);
    let mut block = vec![0u8; ftp_device::BLOCK];
    let result = match ca {
        None => {
            let mut sessions = Sessions {
                stack: &stack,
                control,
                data,
                server,
                user,
                pass,
            };
            ftp_device::blocking::run(&mut sessions, &tap_device, &mut board, &mut block)
        }
        Some(ca) => {
            let before = heap.map_or(0, |h| h.reset());
            let mut sessions = TlsSessions {
                plain: Sessions {
                    stack: &stack,
                    control,
                    data,
                    server,
                    user,
                    pass,
                },
                config: crate::tls_config(ca)?,
            };
            let result =
                ftp_device::blocking::run(&mut sessions, &tap_device, &mut board, &mut block);
            if let Some(heap) = heap {
                say!(
                    &mut board,
                    "heap: at most {} bytes held at once",
                    heap.peak() - before
                );
            }
            result
        }
    };
    result.map_err(|e| e.to_string())?;
    println!(
        "socket buffers {} bytes",
        CONTROL_RX + CONTROL_TX + DATA_RX + DATA_TX
    );
    Ok(())
}

/// The smoltcp stack and its two sockets, for a session at a time.
type Net<'s, 'a> = RefCell<Stack<'a, TunTapInterface, TapClock>>;

/// Clear-text sessions of the device program over the TAP device.
struct Sessions<'s, 'a> {
    stack: &'s Net<'s, 'a>,
    control: smoltcp::iface::SocketHandle,
    data: smoltcp::iface::SocketHandle,
    server: std::net::SocketAddr,
    user: &'s str,
    pass: &'s str,
}

/// The time a session waits for anything.
const TIMEOUT: Duration = Duration::from_secs(10);

/// The control stream over the TAP device.
type Stream<'s, 'a> = TcpStream<'s, 'a, TunTapInterface, TapClock>;
/// The data connector over the TAP device.
type Data<'s, 'a> = Connector<'s, 'a, TunTapInterface, TapClock>;

impl<'s, 'a> Sessions<'s, 'a> {
    /// A control connection (the socket's old one reset), its data
    /// connector.
    fn connect(&self) -> Result<(Stream<'s, 'a>, Data<'s, 'a>), Failure> {
        let stream = TcpStream::connect(self.stack, self.control, self.server, TIMEOUT)
            .map_err(|e| Failure::new(format_args!("connect: {e}")))?;
        Ok((stream, Connector::new(self.stack, self.data, TIMEOUT)))
    }
}

type ClearSession<'s, 'a> = Ftp<
    TcpStream<'s, 'a, TunTapInterface, TapClock>,
    Connector<'s, 'a, TunTapInterface, TapClock>,
    { ftp_core::DEFAULT_REPLY_BUFFER },
    SlotError,
>;

impl<'s, 'a> ftp_device::blocking::Sessions for Sessions<'s, 'a> {
    type S = TcpStream<'s, 'a, TunTapInterface, TapClock>;
    type D = Connector<'s, 'a, TunTapInterface, TapClock>;

    fn open<B: Board>(
        &mut self,
        board: &mut B,
        old: Option<ClearSession<'s, 'a>>,
    ) -> Result<ClearSession<'s, 'a>, Failure> {
        drop(old);
        let (stream, connector) = self.connect()?;
        let mut ftp: ClearSession<'s, 'a> = Ftp::connect(stream, connector, self.server)
            .map_err(|e| Failure::new(format_args!("{e}")))?;
        say!(board, "{}", ftp_core::Text(ftp.getwelcome()));
        let reply = ftp
            .login(self.user, self.pass, "")
            .map_err(|e| Failure::new(format_args!("{e}")))?;
        say!(board, "{reply}");
        Ok(ftp)
    }
}

/// FTPS sessions of the device program over the TAP device.
struct TlsSessions<'s, 'a> {
    plain: Sessions<'s, 'a>,
    config: Arc<rustls::ClientConfig>,
}

type TlsSession<'s, 'a> = Ftp<
    MaybeTls<TcpStream<'s, 'a, TunTapInterface, TapClock>>,
    TlsData<Connector<'s, 'a, TunTapInterface, TapClock>>,
    { ftp_core::DEFAULT_REPLY_BUFFER },
    SlotError,
>;

impl<'s, 'a> ftp_device::blocking::Sessions for TlsSessions<'s, 'a> {
    type S = MaybeTls<TcpStream<'s, 'a, TunTapInterface, TapClock>>;
    type D = TlsData<Connector<'s, 'a, TunTapInterface, TapClock>>;

    fn open<B: Board>(
        &mut self,
        board: &mut B,
        old: Option<TlsSession<'s, 'a>>,
    ) -> Result<TlsSession<'s, 'a>, Failure> {
        drop(old);
        let (stream, connector) = self.plain.connect()?;
        let mut ftp: TlsSession<'s, 'a> = Ftp::connect(
            MaybeTls::Plain(stream),
            TlsData::new(connector),
            self.plain.server,
        )
        .map_err(|e| Failure::new(format_args!("{e}")))?;
        say!(board, "{}", ftp_core::Text(ftp.getwelcome()));
        ftp_device::blocking::login_ftps(
            &mut ftp,
            self.config.clone(),
            self.plain.user,
            self.plain.pass,
            board,
        )?;
        Ok(ftp)
    }
}
