//! The device program of `firmware_tap` on embassy: embassy-executor on
//! std, embassy-net over a Linux TAP device (embassy-net-tuntap), the FTP
//! session from ftp-core's async twin through ftp-embassy. Fixed buffers,
//! no heap in the FTP path; the same arguments as `firmware_tap`, so the
//! two are interchangeable.
//!
//! usage: embassy_tap TAP SERVER_IP:PORT USER PASSWORD DIR FILE OUT LOG REMOTE_LOG
//!   (run where TAP exists, e.g. in a network namespace; the device is
//!   192.0.2.2/24; FILE is saved to OUT, LOG is uploaded as REMOTE_LOG;
//!   with FTP_ACTIVE=1 in the environment the data connections are active:
//!   the server connects to the device)

use std::io::Write as _;
use std::process::ExitCode;

use embassy_executor::Spawner;
use embassy_net::tcp::TcpSocket;
use embassy_net::{Ipv4Address, Ipv4Cidr, Runner, Stack, StackResources, StaticConfigV4};
use embassy_net_tuntap::TunTapDevice;
use embassy_time::Duration;
use ftp_core::asynch::Ftp;
use ftp_embassy::{Connector, Control, NetError};
use static_cell::StaticCell;

// The device's memory: socket buffers and the transfer buffer, fixed.
const CONTROL_RX: usize = 2048;
const CONTROL_TX: usize = 1024;
const DATA_RX: usize = 64 * 1024;
const DATA_TX: usize = 64 * 1024;
const BLOCK: usize = 4096;

#[embassy_executor::task]
async fn net(mut runner: Runner<'static, TunTapDevice>) -> ! {
    runner.run().await
}

async fn run(stack: Stack<'static>, args: &[String]) -> Result<(), String> {
    let [_, server, user, pass, dir, file, out, log, remote_log] = args else {
        return Err(
            "usage: embassy_tap TAP SERVER_IP:PORT USER PASSWORD DIR FILE OUT LOG REMOTE_LOG"
                .into(),
        );
    };
    let server: std::net::SocketAddr = server.parse().map_err(|e| format!("{server}: {e}"))?;
    let log_bytes = std::fs::read(log).map_err(|e| format!("{log}: {e}"))?;
    stack.wait_config_up().await;

    let mut control_rx = [0u8; CONTROL_RX];
    let mut control_tx = [0u8; CONTROL_TX];
    let mut data_rx = vec![0u8; DATA_RX];
    let mut data_tx = vec![0u8; DATA_TX];
    let timeout = Duration::from_secs(10);
    let control = Control::connect(
        TcpSocket::new(stack, &mut control_rx, &mut control_tx),
        server,
        timeout,
    )
    .await
    .map_err(|e| format!("connect: {e}"))?;
    let mut data = Connector::new(TcpSocket::new(stack, &mut data_rx, &mut data_tx), timeout);
    let active = std::env::var("FTP_ACTIVE").is_ok_and(|v| v == "1");
    if active {
        let seed = (std::process::id() as u16).wrapping_mul(7919);
        data.set_active_address(std::net::Ipv4Addr::new(192, 0, 2, 2), seed);
    }
    // The callbacks fail with the "flash"'s own error (here a file's).
    let mut ftp: Ftp<_, _, { ftp_core::DEFAULT_REPLY_BUFFER }, std::io::Error> =
        Ftp::connect(control, data, server)
            .await
            .map_err(|e| e.to_string())?;
    ftp.set_pasv(!active);
    println!("{}", ftp_core::Text(ftp.getwelcome()));
    println!(
        "data connections: {}",
        if active { "active" } else { "passive" }
    );
    let fail = |e: ftp_core::Error<NetError, std::io::Error>| e.to_string();
    println!("{}", ftp.login(user, pass, "").await.map_err(fail)?);
    println!("{}", ftp.cwd(dir).await.map_err(fail)?);

    let mut block = [0u8; BLOCK];
    let listed = ftp
        .retrlines("LIST", &mut block, async |line| {
            println!("{}", ftp_core::Text(line));
            Ok(())
        })
        .await
        .map_err(fail)?;
    println!("{listed}");

    let mut output = std::fs::File::create(out).map_err(|e| format!("{out}: {e}"))?;
    let mut received = 0u64;
    let started = std::time::Instant::now();
    let reply = ftp
        .retrbinary(&format!("RETR {file}"), &mut block, None, async |b| {
            received += b.len() as u64;
            // The device writes flash; here a file stands in for it.
            output.write_all(b)
        })
        .await
        .map_err(fail)?;
    let secs = started.elapsed().as_secs_f64();
    println!("{reply}");
    println!(
        "downloaded {received} bytes in {secs:.3} s ({:.1} MB/s)",
        received as f64 / secs / 1e6
    );

    let started = std::time::Instant::now();
    let mut sent = 0;
    let read_log = async |buf: &mut [u8]| {
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
        .await
        .map_err(fail)?;
    println!("{reply}");
    println!(
        "uploaded {} bytes in {:.3} s",
        log_bytes.len(),
        started.elapsed().as_secs_f64()
    );
    println!("{}", ftp.quit().await.map_err(fail)?);
    Ok(())
}

#[embassy_executor::main]
async fn main(spawner: Spawner) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let code = start(spawner, &args).await;
    let _ = std::io::stdout().flush();
    std::process::exit(match code {
        ExitCode::SUCCESS => 0,
        _ => 1,
    });
}

async fn start(spawner: Spawner, args: &[String]) -> ExitCode {
    let Some(tap) = args.first() else {
        eprintln!(
            "error: usage: embassy_tap TAP SERVER_IP:PORT USER PASSWORD DIR FILE OUT LOG REMOTE_LOG"
        );
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
    match run(stack, args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
