//! The blocking device program over explicit FTPS as firmware: ftp-core
//! over smoltcp over the AN386's LAN9118, TLS through ftp-tls (rustls
//! no_std, rustls-rustcrypto) on the control connection and on every data
//! connection, each resuming the control connection's session. Arguments
//! (semihosting): SERVER_IP:PORT USER PASSWORD DIR FILE OUT LOG REMOTE_LOG
//! CA_FILE. Prints the most heap rustls held.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::sync::Arc;
use core::cell::RefCell;
use core::mem::MaybeUninit;

use cortex_m_rt::entry;
use firmware_tls::Heap;
use ftp_core::Ftp;
use ftp_core::smoltcp_io::{Clock as _, Connector, Stack, TcpStream};
use ftp_device::{Board, Failure, SlotError, say};
use ftp_tls::{MaybeTls, TlsData};
use mps2_an386::clock::SysTickClock;
use mps2_an386::device::An386Board;
use mps2_an386::host;
use mps2_an386::lan9118::Lan9118;
use smoltcp::iface::{Config, Interface, SocketHandle, SocketSet, SocketStorage};
use smoltcp::socket::tcp;
use smoltcp::time::Duration;
use smoltcp::wire::{EthernetAddress, IpAddress, IpCidr, Ipv4Address};
use static_cell::ConstStaticCell;

#[global_allocator]
static HEAP: Heap = Heap::empty();
const HEAP_SIZE: usize = 96 * 1024;

const CONTROL_RX: usize = 1024;
const CONTROL_TX: usize = 512;
const DATA_RX: usize = 8 * 1024;
const DATA_TX: usize = 4 * 1024;
const TIMEOUT: Duration = Duration::from_secs(10);
const MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];

type Net = RefCell<Stack<'static, Lan9118, SysTickClock>>;
type Stream<'s> = TcpStream<'s, 'static, Lan9118, SysTickClock>;
type Data<'s> = Connector<'s, 'static, Lan9118, SysTickClock>;
type Session<'s> =
    Ftp<MaybeTls<Stream<'s>>, TlsData<Data<'s>>, { ftp_core::DEFAULT_REPLY_BUFFER }, SlotError>;

struct Sessions<'s, 'a> {
    stack: &'s Net,
    control: SocketHandle,
    data: SocketHandle,
    server: core::net::SocketAddr,
    user: &'a str,
    pass: &'a str,
    config: Arc<rustls::ClientConfig>,
}

impl<'s> ftp_device::blocking::Sessions for Sessions<'s, '_> {
    type S = MaybeTls<Stream<'s>>;
    type D = TlsData<Data<'s>>;

    fn open<B: Board>(
        &mut self,
        board: &mut B,
        old: Option<Session<'s>>,
    ) -> Result<Session<'s>, Failure> {
        drop(old);
        let stream = TcpStream::connect(self.stack, self.control, self.server, TIMEOUT)
            .map_err(|e| Failure::new(format_args!("connect: {e}")))?;
        let data = Connector::new(self.stack, self.data, TIMEOUT);
        let mut ftp: Session<'s> =
            Ftp::connect(MaybeTls::Plain(stream), TlsData::new(data), self.server)
                .map_err(|e| Failure::new(format_args!("{e}")))?;
        say!(board, "{}", ftp_core::Text(ftp.getwelcome()));
        ftp_device::blocking::login_ftps(
            &mut ftp,
            self.config.clone(),
            self.user,
            self.pass,
            board,
        )?;
        say!(
            board,
            "heap: {} bytes held after the login (the control connection's TLS)",
            HEAP.held()
        );
        Ok(ftp)
    }
}

fn run() -> Result<(), Failure> {
    let p = cortex_m::Peripherals::take()
        .ok_or_else(|| Failure::new(format_args!("peripherals taken")))?;
    static LINE: ConstStaticCell<[u8; 1024]> = ConstStaticCell::new([0; 1024]);
    let args = host::arguments::<9>(LINE.take())
        .ok_or_else(|| Failure::new(format_args!("the arguments are not readable")))?;
    let [server, user, pass, dir, file, out, log, remote_log, ca] = args[..] else {
        return Err(Failure::new(format_args!(
            "usage: smoltcp-tls SERVER_IP:PORT USER PASSWORD DIR FILE OUT LOG REMOTE_LOG CA_FILE"
        )));
    };
    let server: core::net::SocketAddr = server
        .parse()
        .map_err(|_| Failure::new(format_args!("{server}: not an address")))?;
    let mut board = An386Board::new(out, log).map_err(|e| Failure::new(format_args!("{e}")))?;
    let mut clock = SysTickClock::start(p.SYST);
    let config = firmware_tls::tls_config(ca)?;

    let mut nic = Lan9118::init(MAC).map_err(|e| Failure::new(format_args!("LAN9118: {e:?}")))?;
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
    static CONTROL_RX_BUF: ConstStaticCell<[u8; CONTROL_RX]> =
        ConstStaticCell::new([0; CONTROL_RX]);
    static CONTROL_TX_BUF: ConstStaticCell<[u8; CONTROL_TX]> =
        ConstStaticCell::new([0; CONTROL_TX]);
    static DATA_RX_BUF: ConstStaticCell<[u8; DATA_RX]> = ConstStaticCell::new([0; DATA_RX]);
    static DATA_TX_BUF: ConstStaticCell<[u8; DATA_TX]> = ConstStaticCell::new([0; DATA_TX]);
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
    let seed = (host::time() as u16).wrapping_mul(7919) | 1;
    let stack: Net = RefCell::new(Stack::new(iface, nic, sockets, clock, seed));
    let mut sessions = Sessions {
        stack: &stack,
        control,
        data,
        server,
        user,
        pass,
        config,
    };
    let device = ftp_device::Device {
        dir,
        file,
        remote_log,
        deadline_ms: 60_000,
        pause_ms: 1_000,
    };
    static BLOCK: ConstStaticCell<[u8; ftp_device::BLOCK]> =
        ConstStaticCell::new([0; ftp_device::BLOCK]);
    let result = ftp_device::blocking::run(&mut sessions, &device, &mut board, BLOCK.take());
    say!(
        &mut board,
        "heap: at most {} bytes held at once",
        HEAP.peak()
    );
    result
}

#[entry]
fn main() -> ! {
    static MEMORY: ConstStaticCell<[MaybeUninit<u8>; HEAP_SIZE]> =
        ConstStaticCell::new([MaybeUninit::uninit(); HEAP_SIZE]);
    HEAP.init(MEMORY.take());
    mps2_an386::stack::paint();
    let result = run();
    host::print(format_args!(
        "stack: at most {} of {} bytes used\n",
        mps2_an386::stack::high_water(),
        mps2_an386::stack::size()
    ));
    match result {
        Ok(()) => host::exit(0),
        Err(e) => {
            host::eprint(format_args!("error: {e}\n"));
            host::exit(1)
        }
    }
}
