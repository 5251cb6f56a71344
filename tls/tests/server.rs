//! ftp-tls against an in-process rustls server, for what a real FTP
//! server does not do on request: a second connection that must resume
//! the first one's session through the store, and a server that ends
//! the stream with or without close_notify.

use std::io::Write as _;
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;

use embedded_io::Read;
use ftp_tls::{SessionStore, TlsStream, client_config};

mod common;
use common::Sock;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// A server sending `body` on each of `connections` connections, then
/// close_notify (`notify`) or only the TCP end; it reports whether each
/// handshake resumed a session.
fn serve(
    certs: &ftp_tests::Certs,
    body: Vec<u8>,
    connections: usize,
    notify: bool,
) -> (u16, std::thread::JoinHandle<Vec<bool>>) {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&certs.cert)
        .unwrap()
        .map(|c| c.unwrap())
        .collect();
    let key = PrivateKeyDer::from_pem_file(&certs.key).unwrap();
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(Arc::new(rustls_rustcrypto::provider()))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let handle = std::thread::spawn(move || {
        let mut resumed = Vec::new();
        for _ in 0..connections {
            let (tcp, _) = listener.accept().unwrap();
            let conn = rustls::ServerConnection::new(config.clone()).unwrap();
            let mut tls = rustls::StreamOwned::new(conn, tcp);
            tls.write_all(&body).unwrap();
            resumed.push(tls.conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed));
            if notify {
                tls.conn.send_close_notify();
                tls.conn.complete_io(&mut tls.sock).unwrap();
            }
            tls.sock.shutdown(std::net::Shutdown::Both).ok();
        }
        resumed
    });
    (port, handle)
}

/// Everything until the end, read in pieces of `sizes` (in turn): reads
/// that hold a whole record get it straight, smaller ones through the
/// stream's own buffer; the bytes must not depend on which.
fn read_all(s: &mut TlsStream<Sock>, sizes: &[usize]) -> Vec<u8> {
    let mut got = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    // Bounded: the server sends a fixed body, then ends.
    for round in 0..200_000 {
        let size = sizes[round % sizes.len()];
        match s.read(&mut buf[..size]).unwrap() {
            0 => return got,
            n => got.extend_from_slice(&buf[..n]),
        }
    }
    panic!("the stream did not end");
}

#[test]
fn a_second_connection_resumes_and_the_end_is_seen_with_or_without_close_notify() {
    let certs = ftp_tests::Certs::generate_for(&["127.0.0.1"]);
    let ca = std::fs::read(&certs.ca).unwrap();
    let body = ftp_tests::random_bytes(100_000, 4);
    for notify in [true, false] {
        let (port, server) = serve(&certs, body.clone(), 2, notify);
        let config = client_config(
            &ca,
            rustls::ALL_VERSIONS,
            Arc::new(SessionStore::new(1)),
            Arc::new(rustls::time_provider::DefaultTimeProvider),
        )
        .unwrap();
        let name = ftp_tls::server_name("127.0.0.1".parse().unwrap());
        let mut client_resumed = Vec::new();
        // Small reads first (through the stream's buffer), then sizes
        // mixed: a whole 16 KiB record at once, a byte, more than a record.
        let patterns: [&[usize]; 2] = [&[4096], &[16 * 1024, 1, 40_000, 700, 20_000]];
        for sizes in patterns {
            let tcp = TcpStream::connect(("127.0.0.1", port)).unwrap();
            tcp.set_read_timeout(Some(std::time::Duration::from_secs(10)))
                .unwrap();
            let mut s = TlsStream::new(Sock(tcp), config.clone(), name.clone()).unwrap();
            assert!(
                read_all(&mut s, sizes) == body,
                "notify {notify}: the body differs"
            );
            assert!(s.is_ended());
            client_resumed.push(s.is_resumed());
            // A read after the end stays at the end.
            assert_eq!(s.read(&mut [0u8; 8]).unwrap(), 0);
        }
        assert_eq!(server.join().unwrap(), [false, true], "notify {notify}");
        assert_eq!(client_resumed, [false, true], "notify {notify}");
    }
}
