//! A firmware-style FTP client: ftp-core with the `smoltcp` feature,
//! fixed buffers, no heap in the FTP path, over a Linux TAP device
//! (`phy::TunTapInterface`, Ethernet) with a static IP address. It logs in,
//! lists a directory, downloads a file, uploads a log file and quits, as a
//! device shipping its logs would. Only the host-side bits (arguments,
//! printing, the local files standing in for flash) use std.
//!
//! usage: firmware_tap TAP SERVER_IP:PORT USER PASSWORD DIR FILE OUT LOG REMOTE_LOG
//!   (run where TAP exists, e.g. in a network namespace; the device is
//!   192.0.2.2/24; FILE is saved to OUT, LOG is uploaded as REMOTE_LOG)

use std::cell::RefCell;
use std::io::Write as _;
use std::os::fd::AsRawFd;
use std::process::ExitCode;

use ftp_core::Ftp;
use ftp_core::smoltcp_io::{Clock, Connector, Stack, TcpStream};
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
const BLOCK: usize = 4096;

fn run(args: &[String]) -> Result<(), String> {
    let [tap, server, user, pass, dir, file, out, log, remote_log] = args else {
        return Err(
            "usage: firmware_tap TAP SERVER_IP:PORT USER PASSWORD DIR FILE OUT LOG REMOTE_LOG"
                .into(),
        );
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
    // The session's callbacks fail with the "flash"'s own error (here a
    // file's), which reaches us as Error::Callback, not as a network error.
    let mut ftp: Ftp<_, _, { ftp_core::DEFAULT_REPLY_BUFFER }, std::io::Error> =
        Ftp::connect(stream, connector, server).map_err(|e| e.to_string())?;
    println!("{}", ftp_core::Text(ftp.getwelcome()));
    let fail = |e: ftp_core::Error<_, std::io::Error>| e.to_string();
    println!("{}", ftp.login(user, pass, "").map_err(fail)?);
    println!("{}", ftp.cwd(dir).map_err(fail)?);

    let mut block = [0u8; BLOCK];
    println!(
        "{}",
        ftp.retrlines("LIST", &mut block, |line| {
            println!("{}", ftp_core::Text(line));
            Ok(())
        })
        .map_err(fail)?
    );

    let mut output = std::fs::File::create(out).map_err(|e| format!("{out}: {e}"))?;
    let mut received = 0u64;
    let started = std::time::Instant::now();
    let reply = ftp
        .retrbinary(&format!("RETR {file}"), &mut block, None, |b| {
            received += b.len() as u64;
            // The device writes flash; here a file stands in for it.
            output.write_all(b)
        })
        .map_err(fail)?;
    let secs = started.elapsed().as_secs_f64();
    println!("{reply}");
    println!(
        "downloaded {received} bytes in {secs:.3} s ({:.1} MB/s)",
        received as f64 / secs / 1e6
    );

    let started = std::time::Instant::now();
    // The log is read out block by block, as from flash.
    let mut sent = 0;
    let read_log = |buf: &mut [u8]| {
        let n = buf.len().min(log_bytes.len() - sent);
        buf[..n].copy_from_slice(&log_bytes[sent..sent + n]);
        sent += n;
        Ok(n)
    };
    let reply = ftp
        .storbinary(
            &format!("STOR {remote_log}"),
            &mut block,
            None,
            read_log,
            |_| {},
        )
        .map_err(fail)?;
    println!("{reply}");
    println!(
        "uploaded {} bytes in {:.3} s",
        log_bytes.len(),
        started.elapsed().as_secs_f64()
    );
    println!("{}", ftp.quit().map_err(fail)?);
    println!(
        "session: {} bytes (reply buffer {}), socket buffers {} bytes, transfer buffer {BLOCK} bytes",
        core::mem::size_of_val(&ftp),
        ftp_core::DEFAULT_REPLY_BUFFER,
        CONTROL_RX + CONTROL_TX + DATA_RX + DATA_TX
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
