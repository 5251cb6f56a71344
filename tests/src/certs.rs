//! Test certificates: a CA, server and client certificates (rcgen), and how a server speaks TLS.

use super::*;

/// Whether and how a test server speaks TLS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tls {
    /// Clear text.
    Off,
    /// Explicit FTPS (AUTH TLS), required for logins and data.
    Explicit,
    /// Implicit FTPS (TLS from the first byte).
    Implicit,
}

/// A test CA and a server certificate it signed for `localhost`,
/// `127.0.0.1` and `::1`, as PEM files in a temporary directory.
pub struct Certs {
    /// The CA certificate (the trust anchor to give the client).
    pub ca: PathBuf,
    /// The server certificate.
    pub cert: PathBuf,
    /// The server's private key.
    pub key: PathBuf,
    _dir: tempfile::TempDir,
}

impl Certs {
    /// Makes a fresh CA and a server certificate for the loopback names.
    pub fn generate() -> Certs {
        Self::generate_for(&["localhost", "127.0.0.1", "::1"])
    }

    /// A self-signed server certificate (no CA; [`Certs::ca`] is the
    /// certificate itself), as `openssl req -x509` makes them: CA:TRUE,
    /// the host only in the subject's CN.
    pub fn self_signed() -> Certs {
        use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair};
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "localhost");
        let key = KeyPair::generate().expect("key");
        let cert = params.self_signed(&key).expect("certificate");
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = |name: &str| dir.path().join(name);
        std::fs::write(path("cert.pem"), cert.pem()).expect("write");
        std::fs::write(path("key.pem"), key.serialize_pem()).expect("write");
        Certs {
            ca: path("cert.pem"),
            cert: path("cert.pem"),
            key: path("key.pem"),
            _dir: dir,
        }
    }

    /// A fresh CA and a server certificate it signed for `names`.
    pub fn generate_for(names: &[&str]) -> Certs {
        use rcgen::{
            BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair,
            KeyUsagePurpose,
        };
        let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "ftp-rs test CA");
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().expect("key"))
            .expect("CA certificate");
        let names: Vec<String> = names.iter().map(|n| n.to_string()).collect();
        let mut leaf = CertificateParams::new(names).expect("server params");
        leaf.distinguished_name
            .push(DnType::CommonName, "localhost");
        let key = KeyPair::generate().expect("key");
        let cert = leaf.signed_by(&key, &ca).expect("server certificate");
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = |name: &str| dir.path().join(name);
        std::fs::write(path("ca.pem"), ca.pem()).expect("write");
        std::fs::write(path("cert.pem"), cert.pem()).expect("write");
        std::fs::write(path("key.pem"), key.serialize_pem()).expect("write");
        Certs {
            ca: path("ca.pem"),
            cert: path("cert.pem"),
            key: path("key.pem"),
            _dir: dir,
        }
    }
}

/// A client certificate for servers that require one: a fresh CA (give
/// [`ClientCert::ca`] to the server as the CAs it accepts) and a
/// certificate it signed for TLS client authentication, with its key, and
/// both in one file too.
pub struct ClientCert {
    /// The CA certificate that signed the client's.
    pub ca: PathBuf,
    /// The client certificate (PEM).
    pub cert: PathBuf,
    /// Its private key (PEM).
    pub key: PathBuf,
    /// The certificate and the key in one PEM file.
    pub combined: PathBuf,
    _dir: tempfile::TempDir,
}

impl ClientCert {
    /// Makes the CA and the client certificate.
    pub fn generate() -> ClientCert {
        use rcgen::{
            BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose,
            IsCa, KeyPair, KeyUsagePurpose,
        };
        let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        ca.distinguished_name
            .push(DnType::CommonName, "ftp-rs test client CA");
        ca.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().expect("key"))
            .expect("CA certificate");
        let mut leaf = CertificateParams::new(Vec::<String>::new()).expect("client params");
        leaf.distinguished_name
            .push(DnType::CommonName, "ftp-rs test client");
        leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
        let key = KeyPair::generate().expect("key");
        let cert = leaf.signed_by(&key, &ca).expect("client certificate");
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = |name: &str| dir.path().join(name);
        std::fs::write(path("client-ca.pem"), ca.pem()).expect("write");
        std::fs::write(path("client.pem"), cert.pem()).expect("write");
        std::fs::write(path("client.key"), key.serialize_pem()).expect("write");
        std::fs::write(
            path("client-and-key.pem"),
            format!("{}{}", cert.pem(), key.serialize_pem()),
        )
        .expect("write");
        ClientCert {
            ca: path("client-ca.pem"),
            cert: path("client.pem"),
            key: path("client.key"),
            combined: path("client-and-key.pem"),
            _dir: dir,
        }
    }
}

/// curl's `--pinnedpubkey` value for the key in `key_pem` (a PEM private
/// key file): `sha256//` and the base64 of its SubjectPublicKeyInfo's
/// SHA-256, computed from the key alone (rcgen), not from a certificate.
pub fn pin_of_key(key_pem: &Path) -> String {
    let pem = std::fs::read_to_string(key_pem).expect("read the key");
    let key = rcgen::KeyPair::from_pem(&pem).expect("a PEM key");
    // "-----BEGIN PUBLIC KEY-----": the SubjectPublicKeyInfo, base64.
    let b64: String = key
        .public_key_pem()
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let standard = base64::engine::general_purpose::STANDARD;
    let spki = base64::Engine::decode(&standard, b64).expect("base64");
    let hash = ring::digest::digest(&ring::digest::SHA256, &spki);
    let b64 = base64::Engine::encode(&standard, hash.as_ref());
    format!("sha256//{b64}")
}
