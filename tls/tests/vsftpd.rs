//! ftp-core with ftp-tls over std sockets against vsftpd with
//! `require_ssl_reuse` and `strict_ssl_read_eof`: the TLS path of the
//! firmware client, each data connection resuming the control
//! connection's session, TLS 1.3 and 1.2.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

use embedded_io::{ErrorType, Read, ReadReady, Write};
use ftp_core::{DataConnector, Ftp};
use ftp_tests::{PASSWORD, Tls, VSFTPD_USER, Vsftpd, random_bytes};
use ftp_tls::{MaybeTls, SessionStore, TlsData, client_config};
use rustls::pki_types::{ServerName, UnixTime};

/// A std socket as an embedded-io stream.
struct Sock(TcpStream);

impl ErrorType for Sock {
    type Error = std::io::Error;
}
impl Read for Sock {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}
impl Write for Sock {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}
impl ReadReady for Sock {
    fn read_ready(&mut self) -> std::io::Result<bool> {
        self.0.set_nonblocking(true)?;
        let mut b = [0u8; 1];
        let r = self.0.peek(&mut b);
        self.0.set_nonblocking(false)?;
        match r {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Ok(false),
            Err(e) => Err(e),
        }
    }
}

fn sock(s: TcpStream) -> Sock {
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.set_write_timeout(Some(Duration::from_secs(10))).unwrap();
    Sock(s)
}

/// Passive data connections over std sockets.
struct Data;

impl DataConnector for Data {
    type Error = std::io::Error;
    type Stream = Sock;
    type Listener = TcpListener;
    fn connect(&mut self, addr: SocketAddr) -> std::io::Result<Sock> {
        Ok(sock(TcpStream::connect(addr)?))
    }
    fn listen(&mut self) -> std::io::Result<(TcpListener, SocketAddr)> {
        Err(std::io::Error::other("passive only"))
    }
    fn accept(&mut self, _: TcpListener) -> std::io::Result<(Sock, SocketAddr)> {
        Err(std::io::Error::other("passive only"))
    }
    fn close(&mut self, s: Sock) -> std::io::Result<()> {
        s.0.shutdown(std::net::Shutdown::Write)?;
        // Read to the server's end, so nothing unread resets the connection.
        let mut rest = Vec::new();
        let _ = (&s.0).take(1 << 20).read_to_end(&mut rest);
        Ok(())
    }
}

#[derive(Debug)]
struct Clock;
impl rustls::time_provider::TimeProvider for Clock {
    fn current_time(&self) -> Option<UnixTime> {
        Some(UnixTime::now())
    }
}

type Session = Ftp<MaybeTls<Sock>, TlsData<Data>>;
type E = ftp_tls::TlsError<std::io::Error>;

fn session(server: &Vsftpd, versions: &[&'static rustls::SupportedProtocolVersion]) -> Session {
    let ca = std::fs::read(server.ca.as_ref().unwrap()).unwrap();
    let store = Arc::new(SessionStore::new(1));
    let config = client_config(&ca, versions, store, Arc::new(Clock)).unwrap();
    let name = ServerName::try_from("127.0.0.1").unwrap().to_owned();
    let addr: SocketAddr = server.addr().parse().unwrap();
    let control = MaybeTls::Plain(sock(TcpStream::connect(addr).unwrap()));
    let mut ftp = Ftp::connect(control, TlsData::new(Data), addr).unwrap();
    ftp.auth().unwrap();
    ftp.control_mut().upgrade(&config, &name).unwrap();
    ftp.login(VSFTPD_USER, PASSWORD, "").unwrap();
    ftp.prot_p().unwrap();
    ftp.data_connector_mut().protect(Some((config, name)));
    ftp
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs vsftpd and root (the README's test command runs it)"
)]
fn every_data_connection_resumes_the_control_session() {
    for tls12 in [true, false] {
        let server = Vsftpd::start_full(Tls::Explicit, "127.0.0.1", tls12);
        let file = random_bytes(1 << 20, 3);
        server.put("big.bin", &file);
        let versions: &[&'static rustls::SupportedProtocolVersion] = if tls12 {
            &[&rustls::version::TLS12]
        } else {
            &[&rustls::version::TLS13]
        };
        let mut ftp = session(&server, versions);
        // The control connection is the session's first: nothing to resume.
        assert!(!ftp.control_mut().is_resumed());
        let mut buf = [0u8; 4096];
        for round in 0..3 {
            let mut names = Vec::new();
            ftp.nlst("", &mut buf, |n: &[u8]| {
                names.push(n.to_vec());
                Ok::<(), E>(())
            })
            .unwrap();
            assert!(names.iter().any(|n| n == b"big.bin"), "{names:?}");
            let mut got = Vec::new();
            ftp.retrbinary("RETR big.bin", &mut buf, None, |b: &[u8]| {
                got.extend_from_slice(b);
                Ok::<(), E>(())
            })
            .unwrap();
            assert!(
                got == file,
                "tls12 {tls12} round {round}: the download differs"
            );
            let up = random_bytes(100_000 + round, 9);
            let mut at = 0;
            ftp.storbinary(
                &format!("STOR up{round}.bin"),
                &mut buf,
                None,
                |chunk: &mut [u8]| {
                    let n = chunk.len().min(up.len() - at);
                    chunk[..n].copy_from_slice(&up[at..at + n]);
                    at += n;
                    Ok::<usize, E>(n)
                },
                |_| {},
            )
            .unwrap();
            assert_eq!(
                std::fs::read(server.path(&format!("up{round}.bin"))).unwrap(),
                up
            );
        }
        ftp.quit().unwrap();
    }
}
