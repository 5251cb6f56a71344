//! The smoltcp adapter over smoltcp's own loopback device: what its data
//! connector reports of an active-mode connection is the real peer, so the
//! session's rule (a data connection must come from the server) holds on
//! smoltcp as on std.

#![cfg(feature = "smoltcp")]

use core::cell::RefCell;

use ftp_core::DataConnector;
use ftp_core::smoltcp_io::{Clock, Connector, Stack};
use smoltcp::iface::{Config, Interface, SocketSet, SocketStorage};
use smoltcp::phy::{Loopback, Medium};
use smoltcp::socket::tcp;
use smoltcp::time::{Duration, Instant};
use smoltcp::wire::{EthernetAddress, IpAddress, IpCidr, IpEndpoint, IpListenEndpoint};

/// Time that moves a millisecond at each look.
struct Ticks(i64);

impl Clock for Ticks {
    fn now(&mut self) -> Instant {
        self.0 += 1;
        Instant::from_millis(self.0)
    }
}

#[test]
fn an_accepted_connection_reports_where_it_came_from() {
    let mut device = Loopback::new(Medium::Ethernet);
    let mac = EthernetAddress([0x02, 0, 0, 0, 0, 1]);
    let mut clock = Ticks(0);
    let mut iface = Interface::new(Config::new(mac.into()), &mut device, clock.now());
    iface.update_ip_addrs(|a| {
        a.push(IpCidr::new(IpAddress::v4(127, 0, 0, 1), 8)).unwrap();
        a.push(IpCidr::new(IpAddress::v4(127, 0, 0, 2), 8)).unwrap();
    });
    let mut storage = [SocketStorage::EMPTY; 2];
    let mut sockets = SocketSet::new(&mut storage[..]);
    let buffers = || {
        tcp::Socket::new(
            tcp::SocketBuffer::new(vec![0; 4096]),
            tcp::SocketBuffer::new(vec![0; 4096]),
        )
    };
    let data = sockets.add(buffers());
    // The other side: a server connecting from another address.
    let stranger = sockets.add(buffers());
    let stack = RefCell::new(Stack::new(iface, device, sockets, clock, 7));
    let mut connector = Connector::new(&stack, data, Duration::from_secs(5));
    connector.set_active_address("127.0.0.1".parse().unwrap());
    let ((), announced) = connector.listen().unwrap();
    {
        let mut s = stack.borrow_mut();
        let Stack { iface, sockets, .. } = &mut *s;
        let remote = IpEndpoint::new(IpAddress::v4(127, 0, 0, 1), announced.port());
        let local = IpListenEndpoint {
            addr: Some(IpAddress::v4(127, 0, 0, 2)),
            port: 2020,
        };
        sockets
            .get_mut::<tcp::Socket>(stranger)
            .connect(iface.context(), remote, local)
            .unwrap();
    }
    let (stream, from) = connector.accept(()).unwrap();
    assert_eq!(from, "127.0.0.2:2020".parse().unwrap());
    connector.abort(stream);
}
