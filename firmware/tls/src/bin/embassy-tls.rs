//! The async device program over explicit FTPS as firmware: ftp-core's
//! async twin on embassy-net (through ftp-embassy) over the AN386's
//! LAN9118, TLS through ftp-tls's async twin (rustls no_std) on the
//! control connection and every data connection, each resuming the
//! control connection's session. Arguments (semihosting): SERVER_IP:PORT
//! USER PASSWORD DIR FILE OUT LOG REMOTE_LOG CA_FILE. Prints the most heap
//! rustls held.

#![no_std]
#![no_main]

extern crate alloc;

use alloc::sync::Arc;
use core::mem::MaybeUninit;

use firmware_tls::Heap;
use ftp_tls::asynch::{MaybeTls, TlsData};

use embassy_executor::Spawner;
use embassy_net::tcp::TcpSocket;
use embassy_net::{Ipv4Address, Ipv4Cidr, Runner, Stack, StackResources, StaticConfigV4};
use embassy_time::Duration;
use ftp_core::asynch::Ftp;
use ftp_device::{Board, Failure, SlotError, say};
use ftp_embassy::{Connector, Control};
use mps2_an386::clock::SysTickClock;
use mps2_an386::device::An386Board;
use mps2_an386::host;
use mps2_an386::lan9118::Lan9118;
use static_cell::{ConstStaticCell, StaticCell};

#[global_allocator]
static HEAP: Heap = Heap::empty();
const HEAP_SIZE: usize = 96 * 1024;

// The device's memory: socket buffers, fixed. The data socket's receive
// window stays below the LAN9118's RX FIFO (about 10 KiB).
const CONTROL_RX: usize = 1024;
const CONTROL_TX: usize = 512;
const DATA_RX: usize = 8 * 1024;
const DATA_TX: usize = 4 * 1024;
const TIMEOUT: Duration = Duration::from_secs(10);
const MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];

type Session<'a> = Ftp<
    MaybeTls<Control<'a>>,
    TlsData<Connector<'a>>,
    { ftp_core::DEFAULT_REPLY_BUFFER },
    SlotError,
>;

struct Sessions<'a> {
    sockets: Option<(TcpSocket<'a>, TcpSocket<'a>)>,
    server: core::net::SocketAddr,
    user: &'a str,
    pass: &'a str,
    config: Arc<rustls::ClientConfig>,
}

impl<'a> ftp_device::asynch::Sessions for Sessions<'a> {
    type S = MaybeTls<Control<'a>>;
    type D = TlsData<Connector<'a>>;

    async fn open<B: Board>(
        &mut self,
        board: &mut B,
        old: Option<Session<'a>>,
    ) -> Result<Session<'a>, Failure> {
        let gone = || Failure::new(format_args!("the session before kept its sockets"));
        let (control, data) = match old {
            Some(ftp) => {
                let (control, data) = ftp.into_parts();
                (
                    control.into_inner().ok_or_else(gone)?.into_socket(),
                    data.into_inner().into_socket().ok_or_else(gone)?,
                )
            }
            None => self.sockets.take().ok_or_else(gone)?,
        };
        let control = Control::connect(control, self.server, TIMEOUT)
            .await
            .map_err(|e| Failure::new(format_args!("connect: {e}")))?;
        let data = Connector::new(data, TIMEOUT);
        let mut ftp: Session<'a> =
            Ftp::connect(MaybeTls::Plain(control), TlsData::new(data), self.server)
                .await
                .map_err(|e| Failure::new(format_args!("{e}")))?;
        say!(board, "{}", ftp_core::Text(ftp.getwelcome()));
        ftp_device::asynch::login_ftps(&mut ftp, self.config.clone(), self.user, self.pass, board)
            .await?;
        say!(
            board,
            "heap: {} bytes held after the login (the control connection's TLS)",
            HEAP.held()
        );
        Ok(ftp)
    }
}

#[embassy_executor::task]
async fn net(mut runner: Runner<'static, Lan9118>) -> ! {
    runner.run().await
}

async fn run(spawner: Spawner) -> Result<(), Failure> {
    let p = cortex_m::Peripherals::take()
        .ok_or_else(|| Failure::new(format_args!("peripherals taken")))?;
    let _clock = SysTickClock::start(p.SYST);
    // Statics initialised at compile time (ConstStaticCell): a buffer
    // built at run time would be built on the stack first.
    static LINE: ConstStaticCell<[u8; 1024]> = ConstStaticCell::new([0; 1024]);
    let line = LINE.take();
    let args = host::arguments::<9>(line)
        .ok_or_else(|| Failure::new(format_args!("the arguments are not readable")))?;
    let [server, user, pass, dir, file, out, log, remote_log, ca] = args[..] else {
        return Err(Failure::new(format_args!(
            "usage: embassy-tls SERVER_IP:PORT USER PASSWORD DIR FILE OUT LOG REMOTE_LOG CA_FILE"
        )));
    };
    let server: core::net::SocketAddr = server
        .parse()
        .map_err(|_| Failure::new(format_args!("{server}: not an address")))?;
    let mut board = An386Board::new(out, log).map_err(|e| Failure::new(format_args!("{e}")))?;
    let tls = firmware_tls::tls_config(ca)?;
    let nic = Lan9118::init(MAC).map_err(|e| Failure::new(format_args!("LAN9118: {e:?}")))?;
    let config = embassy_net::Config::ipv4_static(StaticConfigV4 {
        address: Ipv4Cidr::new(Ipv4Address::new(192, 0, 2, 2), 24),
        gateway: Some(Ipv4Address::new(192, 0, 2, 1)),
        dns_servers: Default::default(),
    });
    static RESOURCES: StaticCell<StackResources<3>> = StaticCell::new();
    // The board has no RNG: the host's time at boot.
    let seed = u64::from(host::time()).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let (stack, runner): (Stack<'static>, _) =
        embassy_net::new(nic, config, RESOURCES.init(StackResources::new()), seed);
    spawner.spawn(
        net(runner).map_err(|_| Failure::new(format_args!("no room for the network task")))?,
    );
    stack.wait_config_up().await;

    static CONTROL_RX_BUF: ConstStaticCell<[u8; CONTROL_RX]> =
        ConstStaticCell::new([0; CONTROL_RX]);
    static CONTROL_TX_BUF: ConstStaticCell<[u8; CONTROL_TX]> =
        ConstStaticCell::new([0; CONTROL_TX]);
    static DATA_RX_BUF: ConstStaticCell<[u8; DATA_RX]> = ConstStaticCell::new([0; DATA_RX]);
    static DATA_TX_BUF: ConstStaticCell<[u8; DATA_TX]> = ConstStaticCell::new([0; DATA_TX]);
    let (crx, ctx) = (CONTROL_RX_BUF.take(), CONTROL_TX_BUF.take());
    let (drx, dtx) = (DATA_RX_BUF.take(), DATA_TX_BUF.take());
    let mut sessions = Sessions {
        sockets: Some((
            TcpSocket::new(stack, crx, ctx),
            TcpSocket::new(stack, drx, dtx),
        )),
        server,
        user,
        pass,
        config: tls,
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
    let block = BLOCK.take();
    let result = ftp_device::asynch::run(&mut sessions, &device, &mut board, block).await;
    say!(
        &mut board,
        "heap: at most {} bytes held at once",
        HEAP.peak()
    );
    result
}

#[embassy_executor::main]
async fn main(spawner: Spawner) {
    static MEMORY: ConstStaticCell<[MaybeUninit<u8>; HEAP_SIZE]> =
        ConstStaticCell::new([MaybeUninit::uninit(); HEAP_SIZE]);
    HEAP.init(MEMORY.take());
    mps2_an386::stack::paint();
    let result = run(spawner).await;
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
