//! ftp-core with ftp-tls over std sockets against vsftpd with
//! `require_ssl_reuse` and `strict_ssl_read_eof`: the TLS path of the
//! firmware client, each data connection resuming the control
//! connection's session, TLS 1.3 and 1.2.

use std::io::Read as _;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::time::Duration;

mod common;
use common::Sock;
use ftp_core::{DataConnector, Ftp};
use ftp_tests::{PASSWORD, Tls, VSFTPD_USER, Vsftpd, random_bytes};
use ftp_tls::{MaybeTls, SessionStore, TlsData, client_config};
use rustls::pki_types::ServerName;

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

type Session = Ftp<MaybeTls<Sock>, TlsData<Data>>;
type E = ftp_tls::TlsError<std::io::Error>;

fn session(server: &Vsftpd, versions: &[&'static rustls::SupportedProtocolVersion]) -> Session {
    let ca = std::fs::read(server.ca.as_ref().unwrap()).unwrap();
    let store = Arc::new(SessionStore::new(1));
    let config = client_config(
        &ca,
        versions,
        store,
        Arc::new(rustls::time_provider::DefaultTimeProvider),
    )
    .unwrap();
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
