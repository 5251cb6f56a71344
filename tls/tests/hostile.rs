//! A TLS stream fed what no TLS server sends: garbage, a close in the
//! middle of the handshake, random records. Errors, never a panic.

use std::sync::Arc;

use embedded_io::{ErrorType, Read, Write};
use ftp_tls::{SessionStore, TlsError, TlsStream, client_config};

/// A peer that answers with fixed bytes and swallows what it is sent.
struct Peer {
    bytes: Vec<u8>,
    at: usize,
}

impl ErrorType for Peer {
    type Error = embedded_io::ErrorKind;
}
impl Read for Peer {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, Self::Error> {
        let n = buf.len().min(self.bytes.len() - self.at).min(700);
        buf[..n].copy_from_slice(&self.bytes[self.at..self.at + n]);
        self.at += n;
        Ok(n)
    }
}
impl Write for Peer {
    fn write(&mut self, buf: &[u8]) -> Result<usize, Self::Error> {
        Ok(buf.len())
    }
    fn flush(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

fn config() -> Arc<rustls::ClientConfig> {
    let certs = ftp_tests::Certs::generate_for(&["127.0.0.1"]);
    let ca = std::fs::read(&certs.ca).unwrap();
    client_config(
        &ca,
        rustls::ALL_VERSIONS,
        Arc::new(SessionStore::new(1)),
        Arc::new(rustls::time_provider::DefaultTimeProvider),
    )
    .unwrap()
}

fn stream(bytes: Vec<u8>) -> TlsStream<Peer> {
    let name = ftp_tls::server_name("127.0.0.1".parse().unwrap());
    TlsStream::new(Peer { bytes, at: 0 }, config(), name).unwrap()
}

#[test]
fn a_close_during_the_handshake_is_an_error() {
    let e = stream(Vec::new()).handshake().unwrap_err();
    assert!(matches!(e, TlsError::Closed), "{e:?}");
    // A read fails the same way, not with 0 bytes.
    let mut s = stream(Vec::new());
    assert!(s.read(&mut [0u8; 16]).is_err());
}

#[test]
fn what_is_not_tls_is_a_tls_error() {
    let e = stream(b"220 this is an FTP banner, not TLS\r\n".to_vec())
        .handshake()
        .unwrap_err();
    assert!(matches!(e, TlsError::Tls(_)), "{e:?}");
    assert!(e.to_string().starts_with("TLS: "), "{e}");
}

#[test]
fn random_records_never_panic() {
    // A small generator: the same bytes every run.
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for round in 0..300 {
        let len = (next() % 4000) as usize;
        let mut bytes: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        // Some start like a record: handshake or alert, TLS 1.2 framing.
        if round % 2 == 0 && bytes.len() > 5 {
            bytes[0] = [22, 21, 23][round % 3];
            bytes[1] = 3;
            bytes[2] = 3;
        }
        let mut s = stream(bytes);
        assert!(
            s.handshake().is_err(),
            "round {round}: a handshake from noise"
        );
    }
}
