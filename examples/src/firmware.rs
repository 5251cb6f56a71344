//! The firmware-style device program over a Linux TAP device (the
//! `firmware_tap` and `firmware_tls_tap` examples): ftp-core with the
//! `smoltcp` feature, fixed socket buffers, no heap in the FTP path (FTPS
//! needs one for rustls). Only the host-side bits (arguments, printing,
//! the local files standing in for flash, the clock) use std.

use std::cell::RefCell;

use crate::{Device, device_session};
use std::os::fd::AsRawFd;

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
    let log_bytes = std::fs::read(log).map_err(|e| format!("{log}: {e}"))?;

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
    let timeout = Duration::from_secs(10);

    let stream = TcpStream::connect(&stack, control, server, timeout)
        .map_err(|e| format!("connect: {e}"))?;
    let connector = Connector::new(&stack, data, timeout);
    let device = Device {
        dir,
        file,
        out,
        log: &log_bytes,
        remote_log,
    };
    match ca {
        None => {
            // The session's callbacks fail with the "flash"'s own error
            // (here a file's), which reaches us as Error::Callback, not as
            // a network error.
            let mut ftp: Ftp<_, _, { ftp_core::DEFAULT_REPLY_BUFFER }, std::io::Error> =
                Ftp::connect(stream, connector, server).map_err(|e| e.to_string())?;
            println!("{}", ftp_core::Text(ftp.getwelcome()));
            let fail = |e: ftp_core::Error<_, std::io::Error>| e.to_string();
            println!("{}", ftp.login(user, pass, "").map_err(fail)?);
            device_session(&mut ftp, &device)?;
        }
        Some(ca) => {
            let before = heap.map_or(0, |h| h.reset());
            let config = crate::tls_config(ca)?;
            let mut ftp: Ftp<_, _, { ftp_core::DEFAULT_REPLY_BUFFER }, std::io::Error> =
                Ftp::connect(MaybeTls::Plain(stream), TlsData::new(connector), server)
                    .map_err(|e| e.to_string())?;
            println!("{}", ftp_core::Text(ftp.getwelcome()));
            crate::login_ftps(&mut ftp, config, user, pass)?;
            device_session(&mut ftp, &device)?;
            if let Some(heap) = heap {
                println!("heap: at most {} bytes held at once", heap.peak() - before);
            }
        }
    }
    println!(
        "socket buffers {} bytes",
        CONTROL_RX + CONTROL_TX + DATA_RX + DATA_TX
    );
    Ok(())
}
