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
use static_cell::StaticCell;

use ftp_device::say;

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
    let seed = (std::process::id() as u16).wrapping_mul(7919);
    let mut sessions = ftp_device::embassy::Sessions {
        sockets: Some((
            TcpSocket::new(stack, &mut control_rx, &mut control_tx),
            TcpSocket::new(stack, &mut data_rx, &mut data_tx),
        )),
        login: ftp_device::Login {
            server,
            user,
            pass,
            active: active.then_some((std::net::Ipv4Addr::new(192, 0, 2, 2), seed)),
        },
    };
    let device = crate::device(dir, file, remote_log);
    let mut block = vec![0u8; ftp_device::BLOCK];
    let result = match ca {
        None => ftp_device::asynch::run(&mut sessions, &device, &mut board, &mut block).await,
        Some(ca) => {
            let before = heap.map_or(0, |h| h.reset());
            let mut sessions = ftp_device::embassy::TlsSessions {
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
