//! The firmware-style device program over a Linux TAP device (the
//! `firmware_tap` and `firmware_tls_tap` examples): ftp-core with the
//! `smoltcp` feature, fixed socket buffers, no heap in the FTP path (FTPS
//! needs one for rustls). Only the host-side bits (arguments, printing,
//! the local files standing in for flash, the clock) use std.

use std::cell::RefCell;

use std::os::fd::AsRawFd;

use ftp_device::say;

use ftp_core::smoltcp_io::{Clock, Stack};
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
    let login = ftp_device::Login {
        server,
        user,
        pass,
        active: None,
    };
    let mut block = vec![0u8; ftp_device::BLOCK];
    let result = match ca {
        None => {
            let mut sessions = ftp_device::smoltcp::Sessions {
                stack: &stack,
                control,
                data,
                login,
            };
            ftp_device::blocking::run(&mut sessions, &tap_device, &mut board, &mut block)
        }
        Some(ca) => {
            let before = heap.map_or(0, |h| h.reset());
            let mut sessions = ftp_device::smoltcp::TlsSessions {
                plain: ftp_device::smoltcp::Sessions {
                    stack: &stack,
                    control,
                    data,
                    login,
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
