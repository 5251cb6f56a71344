//! FTPS for ftp-core's firmware path: TLS on the control connection and
//! on every data connection of a microcontroller client, each data
//! connection resuming the control connection's session (what vsftpd's
//! `require_ssl_reuse` and ProFTPD demand). rustls in `no_std` with
//! `alloc` (its unbuffered API) and a pure-Rust crypto provider; the FTP
//! code itself stays without a heap, this crate needs one (a session and
//! its data connection held at most 55 KB in the firmware images, which
//! read with a 16 KiB buffer; 77 KB with 4 KiB reads).
//!
//! The control stream starts in clear text ([`MaybeTls::Plain`]) and is
//! upgraded after AUTH TLS; the data connector ([`TlsData`]) wraps every
//! data connection in TLS after PROT P, with the same configuration, whose
//! [`SessionStore`] makes each resume the control connection's session
//! (under TLS 1.3 the tickets the server sends on each data connection
//! are read at its close and kept for the next). The blocking types work
//! with ftp-core's smoltcp adapter, [`asynch`] (feature `async`) with
//! ftp-embassy.
//!
//! ```
//! use std::sync::Arc;
//! # #[derive(Debug)] struct Rtc;
//! # impl rustls::time_provider::TimeProvider for Rtc {
//! #     fn current_time(&self) -> Option<rustls::pki_types::UnixTime> { None }
//! # }
//! // The device's CA certificates (PEM), its session store and its clock.
//! let store = Arc::new(ftp_tls::SessionStore::new(1));
//! let made = ftp_tls::client_config(b"not a certificate", rustls::ALL_VERSIONS, store, Arc::new(Rtc));
//! assert_eq!(made.unwrap_err().to_string(), "CA certificates: no certificate");
//! // A server reached by its address is checked against that address.
//! let name = ftp_tls::server_name("192.0.2.1".parse().unwrap());
//! assert_eq!(name.to_str(), "192.0.2.1");
//! ```
//!
//! With a configuration, a session (here ftp-core's blocking one over any
//! control stream `control` and data connector `data`):
//!
//! ```no_run
//! # use std::sync::Arc;
//! # fn demo<S, D>(control: S, data: D, config: Arc<rustls::ClientConfig>) -> Result<(), ftp_core::Error<ftp_tls::TlsError<S::Error>>>
//! # where S: embedded_io::Read + embedded_io::Write + embedded_io::ReadReady,
//! #       D: ftp_core::DataConnector<Error = S::Error>, D::Stream: embedded_io::Read + embedded_io::Write {
//! use ftp_core::Ftp;
//! use ftp_tls::{MaybeTls, TlsData};
//!
//! let server = "192.0.2.1:21".parse().unwrap();
//! let name = ftp_tls::server_name(core::net::SocketAddr::ip(&server));
//! let mut ftp: Ftp<_, _> = Ftp::connect(MaybeTls::Plain(control), TlsData::new(data), server)?;
//! ftp.auth()?;
//! ftp.control_mut().upgrade(&config, &name).map_err(ftp_core::Error::Io)?;
//! ftp.login("device", "secret", "")?;
//! ftp.prot_p()?;
//! ftp.data_connector_mut().protect(Some((config, name)));
//! ftp.cwd("logs")?;
//! # Ok(()) }
//! ```

#![no_std]
#![forbid(unsafe_code)]

extern crate alloc;

mod error;
mod store;

pub use error::TlsError;
pub use store::SessionStore;

mod blocking;

pub use blocking::{MaybeTls, TlsData, TlsStream};

#[cfg(feature = "async")]
pub mod asynch;

use alloc::sync::Arc;

use rustls::client::Resumption;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls::time_provider::TimeProvider;
use rustls::{ClientConfig, RootCertStore, SupportedProtocolVersion};

/// Why a client configuration could not be made.
#[derive(Debug)]
pub enum ConfigError {
    /// The CA file holds no certificate, or one that does not parse.
    Ca(&'static str),
    /// rustls refused the configuration.
    Tls(rustls::Error),
}

impl core::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ConfigError::Ca(why) => write!(f, "CA certificates: {why}"),
            ConfigError::Tls(e) => write!(f, "TLS configuration: {e}"),
        }
    }
}

/// A client configuration for one device: the server's certificate must
/// chain to one of the CA certificates in `ca_pem` (PEM; a self-signed
/// server certificate is its own CA) and name the server (its DNS name,
/// or its IP address in subjectAltName when the device connects by
/// address); `versions` the TLS versions offered (`rustls::ALL_VERSIONS`:
/// 1.3 and 1.2); sessions are kept in `store`, so that every data
/// connection resumes the control connection's session; `clock` gives
/// the time certificates are checked at.
pub fn client_config(
    ca_pem: &[u8],
    versions: &[&'static SupportedProtocolVersion],
    store: Arc<SessionStore>,
    clock: Arc<dyn TimeProvider>,
) -> Result<Arc<ClientConfig>, ConfigError> {
    let mut roots = RootCertStore::empty();
    for cert in CertificateDer::pem_slice_iter(ca_pem) {
        let cert = cert.map_err(|_| ConfigError::Ca("a certificate that is not valid PEM"))?;
        roots
            .add(cert)
            .map_err(|_| ConfigError::Ca("a certificate that does not parse"))?;
    }
    if roots.is_empty() {
        return Err(ConfigError::Ca("no certificate"));
    }
    let provider = Arc::new(rustls_rustcrypto::provider());
    let mut config = ClientConfig::builder_with_details(provider, clock)
        .with_protocol_versions(versions)
        .map_err(ConfigError::Tls)?
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.resumption = Resumption::store(store);
    Ok(Arc::new(config))
}

/// The name a server reached by its address is checked against: the
/// address in the certificate's subjectAltName (rustls's own conversion
/// from `core::net` needs `std`).
pub fn server_name(addr: core::net::IpAddr) -> rustls::pki_types::ServerName<'static> {
    use rustls::pki_types::{IpAddr, Ipv4Addr, Ipv6Addr};
    rustls::pki_types::ServerName::IpAddress(match addr {
        core::net::IpAddr::V4(v4) => IpAddr::V4(Ipv4Addr::from(v4.octets())),
        core::net::IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(v6.segments())),
    })
}
