//! The async twin of ftp-core (`ftp_core::asynch`) against real servers,
//! over tokio: a control stream and a data connector of a few lines on
//! tokio's sockets (embedded-io-adapters' `FromTokio` for the streams),
//! against pyftpdlib and vsftpd: login, LIST, MLSD, 16 MiB both ways byte
//! for byte, REST resume, active mode.

use std::net::SocketAddr;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use embedded_io_adapters::tokio_1::FromTokio;
use ftp_core::asynch::{DataConnector, Ftp};
use ftp_tests::{PASSWORD, PyFtpd, USER, VSFTPD_USER, Vsftpd, random_bytes};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

const TIMEOUT: Duration = Duration::from_secs(20);

fn timed_out() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::TimedOut, "timed out")
}

/// The control stream: tokio's socket through `FromTokio`, plus a
/// non-waiting look at whether bytes are there (`ReadReady`).
struct Control(FromTokio<TcpStream>);

impl embedded_io_async::ErrorType for Control {
    type Error = std::io::Error;
}

impl embedded_io_async::ReadReady for Control {
    fn read_ready(&mut self) -> Result<bool, std::io::Error> {
        let mut byte = [0u8; 1];
        let mut buf = tokio::io::ReadBuf::new(&mut byte);
        let mut cx = Context::from_waker(Waker::noop());
        match self.0.inner().poll_peek(&mut cx, &mut buf) {
            Poll::Ready(_) => Ok(true),
            Poll::Pending => Ok(false),
        }
    }
}

impl embedded_io_async::Read for Control {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, std::io::Error> {
        tokio::time::timeout(TIMEOUT, self.0.read(buf))
            .await
            .map_err(|_| timed_out())?
    }
}

impl embedded_io_async::Write for Control {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, std::io::Error> {
        self.0.write(buf).await
    }
    async fn flush(&mut self) -> Result<(), std::io::Error> {
        embedded_io_async::Write::flush(&mut self.0).await
    }
}

/// Passive connects and active listens on tokio; streams closed with FIN.
struct Connector {
    local: std::net::IpAddr,
}

impl DataConnector for Connector {
    type Error = std::io::Error;
    type Stream = FromTokio<TcpStream>;
    type Listener = TcpListener;

    async fn connect(&mut self, addr: SocketAddr) -> std::io::Result<Self::Stream> {
        let tcp = tokio::time::timeout(TIMEOUT, TcpStream::connect(addr))
            .await
            .map_err(|_| timed_out())??;
        tcp.set_nodelay(true)?;
        Ok(FromTokio::new(tcp))
    }

    async fn listen(&mut self) -> std::io::Result<(TcpListener, SocketAddr)> {
        let l = TcpListener::bind(SocketAddr::new(self.local, 0)).await?;
        let addr = l.local_addr()?;
        Ok((l, addr))
    }

    async fn accept(&mut self, l: TcpListener) -> std::io::Result<(Self::Stream, SocketAddr)> {
        let (tcp, from) = tokio::time::timeout(TIMEOUT, l.accept())
            .await
            .map_err(|_| timed_out())??;
        Ok((FromTokio::new(tcp), from))
    }

    async fn close(&mut self, stream: Self::Stream) -> std::io::Result<()> {
        let mut tcp = stream.into_inner();
        tcp.shutdown().await
    }
}

type Session = Ftp<Control, Connector, 8192>;

async fn connect(addr: &str) -> Session {
    let tcp = TcpStream::connect(addr).await.expect("connect");
    tcp.set_nodelay(true).unwrap();
    let peer = tcp.peer_addr().unwrap();
    let local = tcp.local_addr().unwrap().ip();
    Ftp::connect(Control(FromTokio::new(tcp)), Connector { local }, peer)
        .await
        .expect("welcome")
}

async fn retr(ftp: &mut Session, name: &str, rest: Option<u64>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    ftp.retrbinary(&format!("RETR {name}"), &mut buf, rest, async |b| {
        // An async consumer: yields like a flash driver would.
        tokio::task::yield_now().await;
        out.extend_from_slice(b);
        Ok(())
    })
    .await
    .expect("RETR");
    out
}

async fn stor(ftp: &mut Session, name: &str, data: &[u8]) {
    let mut buf = vec![0u8; 64 * 1024];
    let mut left = data;
    let read = async |b: &mut [u8]| {
        let n = b.len().min(left.len());
        b[..n].copy_from_slice(&left[..n]);
        left = &left[n..];
        Ok(n)
    };
    ftp.storbinary(&format!("STOR {name}"), &mut buf, None, read, |_| {})
        .await
        .expect("STOR");
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// The checks both servers pass; `mlsd` where the server has it.
async fn session_checks(addr: &str, user: &str, root: &std::path::Path, mlsd: bool) {
    let big = random_bytes(16 << 20, 77);
    std::fs::write(root.join("big.bin"), &big).unwrap();
    let mut ftp = connect(addr).await;
    assert!(ftp.getwelcome().starts_with(b"220"));
    assert!(
        ftp.login(user, PASSWORD, "")
            .await
            .unwrap()
            .text()
            .starts_with(b"230")
    );
    assert_eq!(ftp.pwd().await.unwrap(), b"/");
    let lines = ftp.dir_vec("").await.unwrap();
    assert!(lines.iter().any(|l| l.ends_with(b" big.bin")), "{lines:?}");
    if mlsd {
        let entries = ftp.mlsd_vec("").await.unwrap();
        let e = entries.iter().find(|e| e.name == "big.bin").unwrap();
        assert_eq!(e.fact("size"), Some("16777216"));
    }
    // 16 MiB down and up, byte for byte.
    assert!(retr(&mut ftp, "big.bin", None).await == big);
    stor(&mut ftp, "up.bin", &big).await;
    assert!(std::fs::read(root.join("up.bin")).unwrap() == big);
    assert_eq!(ftp.size("up.bin").await.unwrap(), Some(16 << 20));
    // Resume from an offset.
    let tail = retr(&mut ftp, "big.bin", Some(10_000_000)).await;
    assert!(tail == big[10_000_000..]);
    // Active mode: the server connects back, from its own address.
    ftp.set_pasv(false);
    assert!(retr(&mut ftp, "big.bin", None).await == big);
    ftp.set_pasv(true);
    // A refused file, then the session goes on.
    let mut buf = [0u8; 512];
    let e = ftp
        .retrbinary("RETR nothing", &mut buf, None, async |_| Ok(()))
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(550), "{e:?}");
    assert!(ftp.quit().await.unwrap().text().starts_with(b"221"));
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib, vsftpd and root (the README's test command runs it)"
)]
fn async_twin_against_pyftpdlib() {
    let server = PyFtpd::start("127.0.0.1");
    let addr = server.addr();
    runtime().block_on(session_checks(&addr, USER, server.root.path(), true));
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib, vsftpd and root (the README's test command runs it)"
)]
fn async_twin_against_vsftpd() {
    let server = Vsftpd::start();
    let addr = server.addr();
    let root = server.root.path().to_path_buf();
    // vsftpd writes as the test user: let it write the root's files.
    runtime().block_on(session_checks(&addr, VSFTPD_USER, &root, false));
}
