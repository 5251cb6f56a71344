//! The device program of `firmware_tap` on embassy (the `embassy_tap`
//! and `embassy_tls_tap` examples): embassy-executor on std, embassy-net
//! over a Linux TAP device (embassy-net-tuntap), the FTP session from
//! ftp-core's async twin through ftp-embassy, FTPS through
//! `ftp_tls::asynch`. Fixed buffers, no heap in the FTP path (rustls has
//! one).

use std::process::ExitCode;

use embassy_executor::Spawner;
use embassy_net::tcp::TcpSocket;
use embassy_net::{Ipv4Address, Ipv4Cidr, Runner, Stack, StackResources, StaticConfigV4};
use embassy_net_tuntap::TunTapDevice;
use embassy_time::Duration;
use ftp_core::asynch::Ftp;
use ftp_embassy::{Connector, Control};
use ftp_tls::asynch::{MaybeTls, TlsData};
use static_cell::StaticCell;

use std::sync::Arc;

use ftp_device::{Board, Failure, SlotError, say};

// The device's memory: socket buffers and the transfer buffer, fixed.
const CONTROL_RX: usize = 2048;
const CONTROL_TX: usize = 1024;
const DATA_RX: usize = 64 * 1024;
const DATA_TX: usize = 64 * 1024;

#[embassy_executor::task]
async fn net(mut runner: Runner<'static, TunTapDevice>) -> ! {
    runner.run().await
}

async fn run(
    stack: Stack<'static>,
    args: &[String],
    ca: Option<&String>,
    heap: Option<&crate::PeakAlloc>,
) -> Result<(), String> {
    let [_, server, user, pass, dir, file, out, log, remote_log] = args else {
        return Err(usage(ca.is_some()).into());
    };
    let server: std::net::SocketAddr = server.parse().map_err(|e| format!("{server}: {e}"))?;
    let mut board = crate::HostBoard::new(out, log)?;
    stack.wait_config_up().await;

    let mut control_rx = [0u8; CONTROL_RX];
    let mut control_tx = [0u8; CONTROL_TX];
    let mut data_rx = vec![0u8; DATA_RX];
    let mut data_tx = vec![0u8; DATA_TX];
    let active = std::env::var("FTP_ACTIVE").is_ok_and(|v| v == "1");
    let mut sessions = Sessions {
        sockets: Some((
            TcpSocket::new(stack, &mut control_rx, &mut control_tx),
            TcpSocket::new(stack, &mut data_rx, &mut data_tx),
        )),
        server,
        user,
        pass,
        active,
    };
    let device = crate::device(dir, file, remote_log);
    let mut block = vec![0u8; ftp_device::BLOCK];
    let result = match ca {
        None => ftp_device::asynch::run(&mut sessions, &device, &mut board, &mut block).await,
        Some(ca) => {
            let before = heap.map_or(0, |h| h.reset());
            let mut sessions = TlsSessions {
                plain: sessions,
                config: crate::tls_config(ca)?,
            };
            let result =
                ftp_device::asynch::run(&mut sessions, &device, &mut board, &mut block).await;
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
    result.map_err(|e| e.to_string())
}

/// The time a session waits for anything.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Sessions of the device program on embassy-net: two sockets on fixed
/// buffers, handed from one session to the next.
struct Sessions<'a> {
    sockets: Option<(TcpSocket<'a>, TcpSocket<'a>)>,
    server: std::net::SocketAddr,
    user: &'a str,
    pass: &'a str,
    active: bool,
}

impl<'a> Sessions<'a> {
    /// The control connection and the data connector, on the sockets of
    /// the session before (`old`) or the first ones.
    async fn connect(
        &mut self,
        old: Option<(Option<Control<'a>>, Connector<'a>)>,
    ) -> Result<(Control<'a>, Connector<'a>), Failure> {
        let gone = || Failure::new(format_args!("the session before kept its sockets"));
        let (control, data) = match old {
            Some((control, data)) => (
                control.ok_or_else(gone)?.into_socket(),
                data.into_socket().ok_or_else(gone)?,
            ),
            None => self.sockets.take().ok_or_else(gone)?,
        };
        let control = Control::connect(control, self.server, TIMEOUT)
            .await
            .map_err(|e| Failure::new(format_args!("connect: {e}")))?;
        let mut data = Connector::new(data, TIMEOUT);
        if self.active {
            let seed = (std::process::id() as u16).wrapping_mul(7919);
            data.set_active_address(std::net::Ipv4Addr::new(192, 0, 2, 2), seed);
        }
        Ok((control, data))
    }
}

type ClearSession<'a> =
    Ftp<Control<'a>, Connector<'a>, { ftp_core::DEFAULT_REPLY_BUFFER }, SlotError>;

impl<'a> ftp_device::asynch::Sessions for Sessions<'a> {
    type S = Control<'a>;
    type D = Connector<'a>;

    async fn open<B: Board>(
        &mut self,
        board: &mut B,
        old: Option<ClearSession<'a>>,
    ) -> Result<ClearSession<'a>, Failure> {
        let old = old.map(|f| {
            let (c, d) = f.into_parts();
            (Some(c), d)
        });
        let (control, data) = self.connect(old).await?;
        let mut ftp: ClearSession<'a> = Ftp::connect(control, data, self.server)
            .await
            .map_err(|e| Failure::new(format_args!("{e}")))?;
        ftp.set_pasv(!self.active);
        say!(board, "{}", ftp_core::Text(ftp.getwelcome()));
        say!(
            board,
            "data connections: {}",
            if self.active { "active" } else { "passive" }
        );
        let reply = ftp
            .login(self.user, self.pass, "")
            .await
            .map_err(|e| Failure::new(format_args!("{e}")))?;
        say!(board, "{reply}");
        Ok(ftp)
    }
}

/// FTPS sessions of the device program on embassy-net.
struct TlsSessions<'a> {
    plain: Sessions<'a>,
    config: Arc<rustls::ClientConfig>,
}

type TlsSession<'a> = Ftp<
    MaybeTls<Control<'a>>,
    TlsData<Connector<'a>>,
    { ftp_core::DEFAULT_REPLY_BUFFER },
    SlotError,
>;

impl<'a> ftp_device::asynch::Sessions for TlsSessions<'a> {
    type S = MaybeTls<Control<'a>>;
    type D = TlsData<Connector<'a>>;

    async fn open<B: Board>(
        &mut self,
        board: &mut B,
        old: Option<TlsSession<'a>>,
    ) -> Result<TlsSession<'a>, Failure> {
        let old = old.map(|f| {
            let (c, d) = f.into_parts();
            (c.into_inner(), d.into_inner())
        });
        let (control, data) = self.plain.connect(old).await?;
        let mut ftp: TlsSession<'a> = Ftp::connect(
            MaybeTls::Plain(control),
            TlsData::new(data),
            self.plain.server,
        )
        .await
        .map_err(|e| Failure::new(format_args!("{e}")))?;
        ftp.set_pasv(!self.plain.active);
        say!(board, "{}", ftp_core::Text(ftp.getwelcome()));
        let mode = if self.plain.active {
            "active"
        } else {
            "passive"
        };
        say!(board, "data connections: {mode}");
        ftp_device::asynch::login_ftps(
            &mut ftp,
            self.config.clone(),
            self.plain.user,
            self.plain.pass,
            board,
        )
        .await?;
        Ok(ftp)
    }
}

fn usage(tls: bool) -> &'static str {
    if tls {
        "usage: embassy_tls_tap TAP SERVER_IP:PORT USER PASSWORD DIR FILE OUT LOG REMOTE_LOG CA_FILE"
    } else {
        "usage: embassy_tap TAP SERVER_IP:PORT USER PASSWORD DIR FILE OUT LOG REMOTE_LOG"
    }
}

/// The device program on embassy over the TAP device; with `heap` (the
/// counting allocator), explicit FTPS with the CA file of the last
/// argument, and the most heap it held at the end.
pub async fn start(
    spawner: Spawner,
    args: &[String],
    heap: Option<&'static crate::PeakAlloc>,
) -> ExitCode {
    let tls = heap.is_some();
    let (args, ca) = match (tls, args) {
        (true, [args @ .., ca]) => (args, Some(ca)),
        _ => (args, None),
    };
    let Some(tap) = args.first().filter(|_| tls == ca.is_some()) else {
        eprintln!("error: {}", usage(tls));
        return ExitCode::FAILURE;
    };
    let mut device = match TunTapDevice::new(tap) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {tap}: {e}");
            return ExitCode::FAILURE;
        }
    };
    device.set_hardware_address([0x02, 0, 0, 0, 0, 0x02]);
    let config = embassy_net::Config::ipv4_static(StaticConfigV4 {
        address: Ipv4Cidr::new(Ipv4Address::new(192, 0, 2, 2), 24),
        gateway: Some(Ipv4Address::new(192, 0, 2, 1)),
        dns_servers: Default::default(),
    });
    static RESOURCES: StaticCell<StackResources<3>> = StaticCell::new();
    // A seed that differs between runs, as a device's would between boots.
    let seed = u64::from(std::process::id()).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let (stack, runner) =
        embassy_net::new(device, config, RESOURCES.init(StackResources::new()), seed);
    match net(runner) {
        Ok(token) => spawner.spawn(token),
        Err(e) => {
            eprintln!("error: cannot start the network task: {e:?}");
            return ExitCode::FAILURE;
        }
    }
    match run(stack, args, ca, heap).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
