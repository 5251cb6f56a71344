//! TLS for FTPS: rustls with the ring provider, set up once per session
//! and shared by the control connection and every data connection, so data
//! connections resume the control connection's TLS session.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    ClientConfig, ClientConnection, DigitallySignedStruct, RootCertStore, SignatureScheme,
};

/// How the server's certificate is checked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Verify {
    /// Against the system's CA certificates (the Mozilla roots when the
    /// system has none). The default.
    #[default]
    SystemRoots,
    /// Against the CA certificates in a PEM file only (curl's `--cacert`).
    CaFile(PathBuf),
    /// Not at all: any certificate is taken. For tests against servers with
    /// throw-away certificates; a man in the middle can read everything.
    Insecure,
}

/// The newest TLS version a session may use (curl's `--tls-max`): for a
/// server whose TLS 1.3 is broken, or to test one's TLS 1.2.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsMax {
    /// TLS 1.2 at most.
    V1_2,
    /// TLS 1.3 (and 1.2): the default.
    #[default]
    V1_3,
}

impl std::str::FromStr for TlsMax {
    type Err = String;

    /// `"1.2"` or `"1.3"`.
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "1.2" => Ok(TlsMax::V1_2),
            "1.3" => Ok(TlsMax::V1_3),
            other => Err(format!("TLS version {other:?}: 1.2 or 1.3")),
        }
    }
}

/// The TLS settings of a session: what the control and data connections
/// share, so that data connections resume the control's TLS session.
#[derive(Clone)]
pub(crate) struct TlsContext {
    pub(crate) config: Arc<ClientConfig>,
    pub(crate) name: ServerName<'static>,
    pub(crate) host: String,
}

impl fmt::Debug for TlsContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsContext")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl TlsContext {
    /// A context for `host` (a DNS name or an IP address).
    pub(crate) fn new(host: &str, options: &crate::Options) -> io::Result<Self> {
        let name = ServerName::try_from(host.to_owned())
            .map_err(|_| invalid_input(format!("{host:?} is not a host name TLS can verify")))?;
        let config = client_config(
            &options.verify,
            options.client_cert.as_ref(),
            options.tls_max,
            &options.pinned_keys,
        )?;
        Ok(TlsContext {
            config: Arc::new(config),
            name,
            host: host.to_owned(),
        })
    }

    /// The same settings without session resumption: each connection a
    /// full handshake (what a server that requires resumption refuses).
    pub(crate) fn without_resumption(&self) -> Self {
        let mut config = (*self.config).clone();
        config.resumption = rustls::client::Resumption::disabled();
        TlsContext {
            config: Arc::new(config),
            name: self.name.clone(),
            host: self.host.clone(),
        }
    }

    /// A new client connection to the server (resuming a stored session
    /// when there is one).
    pub(crate) fn connection(&self) -> io::Result<ClientConnection> {
        ClientConnection::new(self.config.clone(), self.name.clone()).map_err(io::Error::other)
    }
}

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn client_config(
    verify: &Verify,
    client_cert: Option<&(PathBuf, PathBuf)>,
    max: TlsMax,
    pins: &[[u8; 32]],
) -> io::Result<ClientConfig> {
    let provider = provider();
    let builder = ClientConfig::builder_with_provider(provider.clone());
    let builder = match max {
        TlsMax::V1_2 => builder.with_protocol_versions(&[&rustls::version::TLS12]),
        TlsMax::V1_3 => builder.with_safe_default_protocol_versions(),
    }
    .map_err(io::Error::other)?;
    let builder = match verify {
        Verify::SystemRoots if pins.is_empty() => builder.with_root_certificates(system_roots()?),
        verify => {
            let inner: Arc<dyn ServerCertVerifier> = match verify {
                Verify::SystemRoots => WebPkiServerVerifier::builder_with_provider(
                    Arc::new(system_roots()?),
                    provider.clone(),
                )
                .build()
                .map_err(io::Error::other)?,
                Verify::CaFile(path) => Arc::new(CaFileVerifier::new(path, provider.clone())?),
                Verify::Insecure => Arc::new(AcceptAnyCertificate(
                    provider.signature_verification_algorithms,
                )),
            };
            let verifier = if pins.is_empty() {
                inner
            } else {
                Arc::new(Pinned {
                    inner,
                    pins: pins.to_vec(),
                })
            };
            builder
                .dangerous()
                .with_custom_certificate_verifier(verifier)
        }
    };
    match client_cert {
        None => Ok(builder.with_no_client_auth()),
        Some((cert, key)) => {
            let chain = CertificateDer::pem_file_iter(cert)
                .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
                .map_err(|e| pem_error(cert, e))?;
            let key = PrivateKeyDer::from_pem_file(key).map_err(|e| pem_error(key, e))?;
            builder
                .with_client_auth_cert(chain, key)
                .map_err(io::Error::other)
        }
    }
}

#[cfg(not(target_os = "wasi"))]
fn system_roots() -> io::Result<RootCertStore> {
    let found = rustls_native_certs::load_native_certs();
    let mut roots = RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(found.certs);
    if added == 0 {
        log::info!("no system CA certificates, using the Mozilla roots");
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    Ok(roots)
}

/// Under WASI there is no system store: `$SSL_CERT_FILE` when it names a
/// readable (preopened) file, else the Mozilla roots.
#[cfg(target_os = "wasi")]
fn system_roots() -> io::Result<RootCertStore> {
    let mut roots = RootCertStore::empty();
    if let Some(path) = std::env::var_os("SSL_CERT_FILE") {
        let path = Path::new(&path);
        let certs = CertificateDer::pem_file_iter(path)
            .and_then(|certs| certs.collect::<Result<Vec<_>, _>>())
            .map_err(|e| pem_error(path, e))?;
        roots.add_parsable_certificates(certs);
    }
    if roots.is_empty() {
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    }
    Ok(roots)
}

/// The handshake-signature methods of a verifier that leaves them to the
/// verifier in its field `$inner`.
macro_rules! signatures_of {
    ($inner:ident) => {
        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            self.$inner.verify_tls12_signature(message, cert, dss)
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            self.$inner.verify_tls13_signature(message, cert, dss)
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.$inner.supported_verify_schemes()
        }
    };
}

/// Verifies against the certificates of a CA file, as curl's `--cacert`
/// does with OpenSSL: a chain to one of them, or, for the self-signed
/// certificate many FTP servers run with, the very certificate in the file.
/// Such a pinned certificate is taken whatever names it holds (old ones
/// carry the host only in the subject's CN, which rustls does not read):
/// the user vouched for that exact certificate, and only the holder of its
/// key completes the handshake.
#[derive(Debug)]
struct CaFileVerifier {
    webpki: Arc<WebPkiServerVerifier>,
    pinned: Vec<CertificateDer<'static>>,
}

impl CaFileVerifier {
    fn new(path: &Path, provider: Arc<CryptoProvider>) -> io::Result<Self> {
        let mut roots = RootCertStore::empty();
        let mut pinned = Vec::new();
        for cert in CertificateDer::pem_file_iter(path).map_err(|e| pem_error(path, e))? {
            let cert = cert.map_err(|e| pem_error(path, e))?;
            roots.add(cert.clone()).map_err(|e| {
                invalid_input(format!(
                    "{}: not a usable CA certificate: {e}",
                    path.display()
                ))
            })?;
            pinned.push(cert);
        }
        if pinned.is_empty() {
            return Err(invalid_input(format!(
                "{}: no certificate in the CA file",
                path.display()
            )));
        }
        let webpki = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider)
            .build()
            .map_err(io::Error::other)?;
        Ok(CaFileVerifier { webpki, pinned })
    }
}

impl ServerCertVerifier for CaFileVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.webpki.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Ok(v) => Ok(v),
            Err(_)
                if self
                    .pinned
                    .iter()
                    .any(|p| p.as_ref() == end_entity.as_ref()) =>
            {
                log::debug!("{server_name:?}: the certificate is the one in the CA file");
                Ok(ServerCertVerified::assertion())
            }
            Err(e) => Err(e),
        }
    }

    signatures_of!(webpki);
}

fn pem_error(path: &Path, e: rustls::pki_types::pem::Error) -> io::Error {
    match e {
        rustls::pki_types::pem::Error::Io(e) => {
            io::Error::new(e.kind(), format!("{}: {e}", path.display()))
        }
        e => invalid_input(format!("{}: {e}", path.display())),
    }
}

pub(crate) fn invalid_input(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

/// The verifier of [`Verify::Insecure`]: takes any certificate, still
/// checks the handshake signatures (so the connection is at least with the
/// holder of the certificate's key).
#[derive(Debug)]
struct AcceptAnyCertificate(WebPkiSupportedAlgorithms);

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.supported_schemes()
    }
}

/// SHA-256 hashes of server public keys, from curl's `--pinnedpubkey`
/// spelling: `sha256//BASE64`, several joined by `;`.
///
/// ```
/// let pins = ftp_std::parse_pinned_keys(
///     "sha256//n4bQgYhMfWWaL+qgxVrQFaO/TxsrC4Is0V1sFbDwCgg=",
/// ).unwrap();
/// assert_eq!(pins.len(), 1);
/// assert!(ftp_std::parse_pinned_keys("md5//abc").is_err());
/// ```
pub fn parse_pinned_keys(spec: &str) -> Result<Vec<[u8; 32]>, String> {
    spec.split(';')
        .map(|pin| {
            let b64 = pin
                .trim()
                .strip_prefix("sha256//")
                .ok_or_else(|| format!("{pin:?}: a pin is sha256//BASE64"))?;
            let bytes = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b64)
                .map_err(|e| format!("{pin:?}: {e}"))?;
            <[u8; 32]>::try_from(bytes.as_slice())
                .map_err(|_| format!("{pin:?}: a SHA-256 hash is 32 bytes"))
        })
        .collect()
}

/// A DER element: its tag, its whole encoding, its content, and what
/// follows it.
type Element<'a> = (u8, &'a [u8], &'a [u8], &'a [u8]);

/// One DER element at the start of `input`; `None` on anything
/// malformed.
fn der(input: &[u8]) -> Option<Element<'_>> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let mut len = 0usize;
        for &b in &rest[..n] {
            len = len.checked_mul(256)?.checked_add(usize::from(b))?;
        }
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    let header = input.len() - rest.len();
    Some((tag, &input[..header + len], &rest[..len], &rest[len..]))
}

/// The SubjectPublicKeyInfo of a certificate (RFC 5280: the seventh
/// element of tbsCertificate, after an optional version), as encoded.
fn public_key_info(cert: &[u8]) -> Option<&[u8]> {
    let (0x30, _, cert, _) = der(cert)? else {
        return None;
    };
    let (0x30, _, tbs, _) = der(cert)? else {
        return None;
    };
    let mut rest = tbs;
    if let (0xA0, _, _, after) = der(rest)? {
        rest = after;
    }
    // serialNumber, signature, issuer, validity, subject.
    for _ in 0..5 {
        rest = der(rest)?.3;
    }
    match der(rest)? {
        (0x30, whole, _, _) => Some(whole),
        _ => None,
    }
}

/// A verifier that also wants the server's public key among the pinned
/// ones (curl's `--pinnedpubkey`), after `inner`'s check.
#[derive(Debug)]
struct Pinned {
    inner: Arc<dyn ServerCertVerifier>,
    pins: Vec<[u8; 32]>,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verified = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )?;
        let key = public_key_info(end_entity.as_ref()).ok_or(rustls::Error::InvalidCertificate(
            rustls::CertificateError::BadEncoding,
        ))?;
        let hash = ring::digest::digest(&ring::digest::SHA256, key);
        if self.pins.iter().any(|p| p[..] == *hash.as_ref()) {
            Ok(verified)
        } else {
            Err(rustls::Error::General(
                "the server's public key is not a pinned one (--pinnedpubkey)".into(),
            ))
        }
    }

    signatures_of!(inner);
}

/// Names the server in a TLS failure and says what to do about a
/// certificate that does not verify.
pub(crate) fn handshake_error(e: io::Error, tls: &TlsContext) -> io::Error {
    use rustls::CertificateError as C;
    let hint = match e
        .get_ref()
        .and_then(|inner| inner.downcast_ref::<rustls::Error>())
    {
        Some(rustls::Error::InvalidCertificate(
            C::NotValidForName | C::NotValidForNameContext { .. },
        )) => " (the certificate is for another host name)",
        Some(rustls::Error::InvalidCertificate(_)) => {
            " (give the CA that signed it, or the server's own certificate, as the CA file)"
        }
        _ => "",
    };
    io::Error::new(
        e.kind(),
        crate::error::TlsError::handshake(tls.host.clone(), e, hint),
    )
}

#[cfg(test)]
mod tests {
    use super::public_key_info;

    #[test]
    fn the_public_key_info_of_a_certificate_and_of_broken_ones() {
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
            .unwrap()
            .self_signed(&key)
            .unwrap();
        let b64: String = key
            .public_key_pem()
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .collect();
        let spki = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b64).unwrap();
        let der = cert.der().as_ref();
        assert_eq!(public_key_info(der), Some(&spki[..]));
        // Cut anywhere, or with lengths that lie: no key, no panic.
        for n in 0..der.len() {
            assert_eq!(public_key_info(&der[..n]), None, "cut at {n}");
        }
        for bad in [
            &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff][..],
            &[0x30, 0x80][..],
            &[0x30, 0x89, 1, 2, 3, 4, 5, 6, 7, 8, 9][..],
            &[][..],
        ] {
            assert_eq!(public_key_info(bad), None);
        }
    }
}
