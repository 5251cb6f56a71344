#![no_std]
#![no_main]

use core::cell::RefCell;

use cortex_m_rt::entry;
use ftp_core::Ftp;
use ftp_core::smoltcp_io::{Clock as _, Connector, Stack, TcpStream};
use mps2_an386::{clock::SysTickClock, host, lan9118::Lan9118, println};
use smoltcp::iface::{Config, Interface, SocketSet, SocketStorage};
use smoltcp::socket::tcp;
use smoltcp::time::Duration;
use smoltcp::wire::{EthernetAddress, IpAddress, IpCidr, Ipv4Address};

#[entry]
fn main() -> ! {
    let p = cortex_m::Peripherals::take().unwrap();
    let mut buf = [0u8; 256];
    let args = host::command_line(&mut buf).unwrap_or("");
    let server = args.split(' ').nth(1).unwrap_or("192.0.2.1:21");
    let server: core::net::SocketAddr = server.parse().unwrap();
    let mut clock = SysTickClock::start(p.SYST);
    let mac = [2, 0, 0, 0, 0, 2];
    let mut nic = Lan9118::init(mac).unwrap();
    let mut iface = Interface::new(Config::new(EthernetAddress(mac).into()), &mut nic, clock.now());
    iface.update_ip_addrs(|a| {
        let _ = a.push(IpCidr::new(IpAddress::v4(192, 0, 2, 2), 24));
    });
    let _ = iface.routes_mut().add_default_ipv4_route(Ipv4Address::new(192, 0, 2, 1));
    let mut crx = [0u8; 2048];
    let mut ctx = [0u8; 1024];
    let mut drx = [0u8; 8192];
    let mut dtx = [0u8; 8192];
    let mut storage = [SocketStorage::EMPTY; 2];
    let mut sockets = SocketSet::new(&mut storage[..]);
    let control = sockets.add(tcp::Socket::new(tcp::SocketBuffer::new(&mut crx[..]), tcp::SocketBuffer::new(&mut ctx[..])));
    let data = sockets.add(tcp::Socket::new(tcp::SocketBuffer::new(&mut drx[..]), tcp::SocketBuffer::new(&mut dtx[..])));
    let stack = RefCell::new(Stack::new(iface, nic, sockets, clock, 4711));
    let timeout = Duration::from_secs(10);
    let stream = match TcpStream::connect(&stack, control, server, timeout) {
        Ok(s) => s,
        Err(e) => { println!("connect: {e:?}"); host::exit(1) }
    };
    let mut ftp: Ftp<_, _> = Ftp::connect(stream, Connector::new(&stack, data, timeout), server).unwrap();
    println!("{}", ftp_core::Text(ftp.getwelcome()));
    println!("{}", ftp.login("", "", "").unwrap());
    let mut block = [0u8; 1024];
    let mut total = 0usize;
    let start = SysTickClock::millis();
    ftp.retrbinary("RETR big", &mut block, None, |b| { total += b.len(); Ok(()) }).unwrap();
    println!("{total} bytes in {} ms", SysTickClock::millis() - start);
    println!("{}", ftp.quit().unwrap());
    host::exit(0)
}
