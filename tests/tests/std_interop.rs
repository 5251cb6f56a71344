//! ftp-std against real servers started on loopback: vsftpd in clear
//! text, explicit FTPS (require_ssl_reuse=YES) and implicit FTPS; pyftpdlib
//! in clear text and explicit FTPS. The same checks run against each
//! (logins, commands, listings, transfers of 0 B to 64 MiB, resume, active
//! mode, IPv6, missing files, certificate refusal), for both sessions: the
//! blocking `ftp_std::Ftp` and the tokio `ftp_std::tokio::Ftp`, from one
//! source (`twin/std_checks.rs`).

use std::io::Cursor;
use std::path::PathBuf;
use std::time::Duration;

use ftp_std::rustls;
use ftp_std::{Error, Options, Security, Verify, part_path};
use ftp_tests::{
    FtpSrv, InetFtpd, PASSWORD, PyFtpd, Tls, USER, VSFTPD_USER, Vsftpd, have_ipv6, random_bytes,
};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Vsftpd,
    Pyftpdlib,
    /// GNU inetutils' ftpd, started per connection by the test's inetd.
    InetUtils,
    /// ftp-srv, the npm package, on Node.
    FtpSrv,
}

/// A running server and how to reach it.
struct Target {
    kind: Kind,
    tls: Tls,
    host: String,
    port: u16,
    root: PathBuf,
    /// Where the user's session works: `/` where the server roots the
    /// session in [`Target::root`], else the root's absolute path (the
    /// session changes there after logging in).
    home: String,
    ca: Option<PathBuf>,
    user: &'static str,
    _server: Box<dyn std::any::Any>,
}

impl Target {
    fn start(kind: Kind, tls: Tls, host: &str) -> Target {
        match kind {
            Kind::Vsftpd => {
                let s = Vsftpd::start_with(tls, host);
                Target {
                    kind,
                    tls,
                    host: s.host.clone(),
                    port: s.port,
                    root: s.root.path().to_path_buf(),
                    home: "/".into(),
                    ca: s.ca.clone(),
                    user: VSFTPD_USER,
                    _server: Box::new(s),
                }
            }
            Kind::Pyftpdlib => {
                assert_ne!(tls, Tls::Implicit, "pyftpdlib has no implicit FTPS");
                let s = PyFtpd::start_with(host, tls == Tls::Explicit);
                Target {
                    kind,
                    tls,
                    host: s.host.clone(),
                    port: s.port,
                    root: s.root.path().to_path_buf(),
                    home: "/".into(),
                    ca: s.ca.clone(),
                    user: USER,
                    _server: Box::new(s),
                }
            }
            Kind::InetUtils => {
                assert_eq!(tls, Tls::Off, "inetutils-ftpd has no FTPS");
                let s = InetFtpd::start(host);
                Target {
                    kind,
                    tls,
                    host: s.host.clone(),
                    port: s.port,
                    root: s.root.path().to_path_buf(),
                    home: s.root.path().display().to_string(),
                    ca: None,
                    user: VSFTPD_USER,
                    _server: Box::new(s),
                }
            }
            Kind::FtpSrv => {
                assert_ne!(tls, Tls::Implicit, "the ftp-srv tests use explicit FTPS");
                assert_eq!(host, "127.0.0.1", "ftp-srv listens on 127.0.0.1");
                let s = FtpSrv::start(tls == Tls::Explicit, None);
                Target {
                    kind,
                    tls,
                    host: host.to_string(),
                    port: s.port,
                    root: s.root.path().to_path_buf(),
                    home: "/".into(),
                    ca: s.ca.clone(),
                    user: USER,
                    _server: Box::new(s),
                }
            }
        }
    }

    /// The remote path of `rel` in the session's home.
    fn remote(&self, rel: &str) -> String {
        format!("{}/{rel}", self.home.trim_end_matches('/'))
    }

    fn options(&self) -> Options {
        let security = match self.tls {
            Tls::Off => Security::None,
            Tls::Explicit => Security::Explicit,
            Tls::Implicit => Security::Implicit,
        };
        let verify = match &self.ca {
            Some(ca) => Verify::CaFile(ca.clone()),
            None => Verify::SystemRoots,
        };
        Options::default()
            .security(security)
            .verify(verify)
            .timeout(Duration::from_secs(20))
    }

    /// A file in the served root, readable by anonymous users.
    fn put(&self, rel: &str, data: &[u8]) {
        let p = self.root.join(rel);
        std::fs::write(&p, data).expect("write");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
    }

    fn server_file(&self, rel: &str) -> Vec<u8> {
        std::fs::read(self.root.join(rel)).expect("server-side file")
    }
}

fn assert_permanent(e: &Error, code: u16) {
    match e {
        Error::Permanent(r) => {
            assert_eq!(r.code().get(), code, "{e}");
            assert!(
                r.text().starts_with(code.to_string().as_bytes()) && r.text().len() > 4,
                "the server's text is kept: {e}"
            );
        }
        other => panic!("expected a {code} permanent error, got {other:?}"),
    }
}

/// A checksum to compare big files by (FNV-1a, 64 bit).
fn checksum(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The blocking session.
#[path = "twin"]
mod blocking {
    pub(crate) use ftp_core_macros::blocking as bisync;
    pub(crate) use ftp_core_macros::blocking_test as twin_test;
    pub(crate) use ftp_std::{Ftp, fxp, probe};
    pub(crate) use ftp_tests::twin::blocking::{open_file, read_exact, read_to_end, run};

    #[allow(clippy::duplicate_mod)]
    #[path = "std_checks.rs"]
    mod checks;
}

/// The tokio session.
#[path = "twin"]
mod tokio_session {
    pub(crate) use ftp_core_macros::asynch as bisync;
    pub(crate) use ftp_core_macros::asynch_test as twin_test;
    pub(crate) use ftp_std::tokio::{Ftp, fxp, probe};
    pub(crate) use ftp_tests::twin::tokio::{open_file, read_exact, read_to_end, run};

    #[allow(clippy::duplicate_mod)]
    #[path = "std_checks.rs"]
    mod checks;
}
