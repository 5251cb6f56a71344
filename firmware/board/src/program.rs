//! What the four device programs share on this board: their arguments,
//! the network stack (smoltcp or embassy-net) on the LAN9118 with its
//! buffers in compile-time statics (built at run time they would pass
//! through the stack), the transfer buffer, and the end of a run (the
//! stack's high-water mark printed, the exit status).

use core::net::SocketAddr;

use ftp_device::Failure;
use static_cell::ConstStaticCell;

use crate::host;

/// The board's Ethernet address.
pub const MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];

// Socket buffers. The data socket's receive window stays below the
// LAN9118's RX FIFO (about 10 KiB), whose overflow drops frames.
const CONTROL_RX: usize = 1024;
const CONTROL_TX: usize = 512;
const DATA_RX: usize = 8 * 1024;
const DATA_TX: usize = 4 * 1024;

static CONTROL_RX_BUF: ConstStaticCell<[u8; CONTROL_RX]> = ConstStaticCell::new([0; CONTROL_RX]);
static CONTROL_TX_BUF: ConstStaticCell<[u8; CONTROL_TX]> = ConstStaticCell::new([0; CONTROL_TX]);
static DATA_RX_BUF: ConstStaticCell<[u8; DATA_RX]> = ConstStaticCell::new([0; DATA_RX]);
static DATA_TX_BUF: ConstStaticCell<[u8; DATA_TX]> = ConstStaticCell::new([0; DATA_TX]);

/// The device contract's arguments (semihosting): SERVER_IP:PORT USER
/// PASSWORD DIR FILE OUT LOG REMOTE_LOG, and CA_FILE for the FTPS programs.
pub struct Args {
    /// Where and as whom.
    pub login: ftp_device::Login<'static>,
    /// What to do once logged in.
    pub device: ftp_device::Device<'static>,
    /// The host file a checked image is published to.
    pub out: &'static str,
    /// The host file of the log to upload.
    pub log: &'static str,
    /// The CA file (FTPS programs).
    pub ca: Option<&'static str>,
}

/// The arguments of the program `name` (with CA_FILE when `tls`).
pub fn args(name: &str, tls: bool) -> Result<Args, Failure> {
    static LINE: ConstStaticCell<[u8; 1024]> = ConstStaticCell::new([0; 1024]);
    let args = host::arguments::<9>(LINE.take())
        .ok_or_else(|| Failure::new(format_args!("the arguments are not readable")))?;
    let want = if tls { 9 } else { 8 };
    let (Some([server, user, pass, dir, file, out, log, remote_log]), true) = (
        args.get(..8).and_then(|a| <[&str; 8]>::try_from(a).ok()),
        args.len() == want,
    ) else {
        let ca = if tls { " CA_FILE" } else { "" };
        return Err(Failure::new(format_args!(
            "usage: {name} SERVER_IP:PORT USER PASSWORD DIR FILE OUT LOG REMOTE_LOG{ca}"
        )));
    };
    let ca = args.get(8).copied();
    let server: SocketAddr = server
        .parse()
        .map_err(|_| Failure::new(format_args!("{server}: not an address")))?;
    Ok(Args {
        login: ftp_device::Login {
            server,
            user,
            pass,
            active: None,
        },
        device: ftp_device::Device {
            dir,
            file,
            remote_log,
            deadline_ms: 60_000,
            pause_ms: 1_000,
        },
        out,
        log,
        ca,
    })
}

/// The transfer buffer.
pub fn block() -> &'static mut [u8] {
    static BLOCK: ConstStaticCell<[u8; ftp_device::BLOCK]> =
        ConstStaticCell::new([0; ftp_device::BLOCK]);
    BLOCK.take()
}

/// The FTPS images' transfer buffer: room for a whole TLS record's
/// plaintext (16 KiB), which ftp-tls then reads straight into it rather
/// than into a copy on the heap (16 KiB of static RAM for 16 KiB of heap).
pub fn record_block() -> &'static mut [u8] {
    static BLOCK: ConstStaticCell<[u8; 16 * 1024]> = ConstStaticCell::new([0; 16 * 1024]);
    BLOCK.take()
}

/// A seed from the host's time (the board has no random number
/// generator), for TCP ports and the like.
pub fn seed() -> u64 {
    u64::from(host::time()).wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1
}

/// Ends the run: the stack's high-water mark, then exit 0, or the error
/// on one line and exit 1.
pub fn finish(result: Result<(), Failure>) -> ! {
    host::print(format_args!(
        "stack: at most {} of {} bytes used\n",
        crate::stack::high_water(),
        crate::stack::size()
    ));
    match result {
        Ok(()) => host::exit(0),
        Err(e) => {
            host::eprint(format_args!("error: {e}\n"));
            host::exit(1)
        }
    }
}

/// The smoltcp side: the interface at 192.0.2.2/24 (gateway 192.0.2.1)
/// on the LAN9118, its two TCP sockets.
pub mod smoltcp {
    use core::cell::RefCell;

    use ::smoltcp::iface::{Config, Interface, SocketHandle, SocketSet, SocketStorage};
    use ::smoltcp::socket::tcp;
    use ::smoltcp::wire::{EthernetAddress, IpAddress, IpCidr, Ipv4Address};
    use ftp_core::smoltcp_io::{Clock as _, Stack};
    use ftp_device::Failure;
    use static_cell::{ConstStaticCell, StaticCell};

    use super::{CONTROL_RX_BUF, CONTROL_TX_BUF, DATA_RX_BUF, DATA_TX_BUF, MAC, seed};
    use crate::clock::SysTickClock;
    use crate::lan9118::Lan9118;

    /// The stack, shared by the sessions.
    pub type Net = RefCell<Stack<'static, Lan9118, SysTickClock>>;

    /// The stack and its control and data sockets.
    pub fn stack(
        syst: cortex_m::peripheral::SYST,
    ) -> Result<(&'static Net, SocketHandle, SocketHandle), Failure> {
        let mut clock = SysTickClock::start(syst);
        let mut nic =
            Lan9118::init(MAC).map_err(|e| Failure::new(format_args!("LAN9118: {e:?}")))?;
        let mut iface = Interface::new(
            Config::new(EthernetAddress(MAC).into()),
            &mut nic,
            clock.now(),
        );
        iface.update_ip_addrs(|a| {
            let _ = a.push(IpCidr::new(IpAddress::v4(192, 0, 2, 2), 24));
        });
        iface
            .routes_mut()
            .add_default_ipv4_route(Ipv4Address::new(192, 0, 2, 1))
            .map_err(|_| Failure::new(format_args!("route")))?;
        static STORAGE: ConstStaticCell<[SocketStorage<'static>; 2]> =
            ConstStaticCell::new([SocketStorage::EMPTY; 2]);
        let mut sockets = SocketSet::new(&mut STORAGE.take()[..]);
        let control = sockets.add(tcp::Socket::new(
            tcp::SocketBuffer::new(&mut CONTROL_RX_BUF.take()[..]),
            tcp::SocketBuffer::new(&mut CONTROL_TX_BUF.take()[..]),
        ));
        let data = sockets.add(tcp::Socket::new(
            tcp::SocketBuffer::new(&mut DATA_RX_BUF.take()[..]),
            tcp::SocketBuffer::new(&mut DATA_TX_BUF.take()[..]),
        ));
        static NET: StaticCell<Net> = StaticCell::new();
        let net = NET.init(RefCell::new(Stack::new(
            iface,
            nic,
            sockets,
            clock,
            seed() as u16,
        )));
        Ok((net, control, data))
    }
}

/// The embassy side: embassy-net at 192.0.2.2/24 (gateway 192.0.2.1) on
/// the LAN9118, its runner spawned, its two TCP sockets.
#[cfg(feature = "embassy")]
pub mod embassy {
    use embassy_executor::Spawner;
    use embassy_net::tcp::TcpSocket;
    use embassy_net::{Ipv4Address, Ipv4Cidr, Runner, StackResources, StaticConfigV4};
    use ftp_device::Failure;
    use static_cell::StaticCell;

    use super::{CONTROL_RX_BUF, CONTROL_TX_BUF, DATA_RX_BUF, DATA_TX_BUF, MAC, seed};
    use crate::clock::SysTickClock;
    use crate::lan9118::Lan9118;

    #[embassy_executor::task]
    async fn net(mut runner: Runner<'static, Lan9118>) -> ! {
        runner.run().await
    }

    /// The control and data sockets, the stack up.
    pub async fn sockets(
        spawner: Spawner,
        syst: cortex_m::peripheral::SYST,
    ) -> Result<(TcpSocket<'static>, TcpSocket<'static>), Failure> {
        let _clock = SysTickClock::start(syst);
        let nic = Lan9118::init(MAC).map_err(|e| Failure::new(format_args!("LAN9118: {e:?}")))?;
        let config = embassy_net::Config::ipv4_static(StaticConfigV4 {
            address: Ipv4Cidr::new(Ipv4Address::new(192, 0, 2, 2), 24),
            gateway: Some(Ipv4Address::new(192, 0, 2, 1)),
            dns_servers: Default::default(),
        });
        static RESOURCES: StaticCell<StackResources<3>> = StaticCell::new();
        let (stack, runner) =
            embassy_net::new(nic, config, RESOURCES.init(StackResources::new()), seed());
        spawner.spawn(
            net(runner).map_err(|_| Failure::new(format_args!("no room for the network task")))?,
        );
        stack.wait_config_up().await;
        Ok((
            TcpSocket::new(stack, CONTROL_RX_BUF.take(), CONTROL_TX_BUF.take()),
            TcpSocket::new(stack, DATA_RX_BUF.take(), DATA_TX_BUF.take()),
        ))
    }
}
