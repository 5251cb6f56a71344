//! vsftpd in the foreground, and the system user it logs in.

use super::*;

/// The system user vsftpd logs in through PAM (created once).
pub const VSFTPD_USER: &str = "ftprstest";

/// Makes the system user vsftpd logs in (once per machine).
pub fn ensure_system_user() {
    let exists = Command::new("id")
        .arg(VSFTPD_USER)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !exists {
        let status = Command::new("useradd")
            .args([
                "--no-create-home",
                "--home-dir",
                "/",
                "--shell",
                "/bin/bash",
                VSFTPD_USER,
            ])
            .status()
            .expect("useradd runs (tests need root)");
        // Another test may have created it at the same moment.
        assert!(
            status.success()
                || Command::new("id")
                    .arg(VSFTPD_USER)
                    .status()
                    .is_ok_and(|s| s.success()),
            "cannot create the test user {VSFTPD_USER}"
        );
    }
    let mut chpasswd = Command::new("chpasswd")
        .stdin(Stdio::piped())
        .spawn()
        .expect("chpasswd runs");
    use std::io::Write;
    let stdin = chpasswd.stdin.as_mut().expect("stdin");
    writeln!(stdin, "{VSFTPD_USER}:{PASSWORD}").expect("write the password");
    assert!(
        chpasswd.wait().expect("chpasswd").success(),
        "chpasswd failed"
    );
}

/// A temporary directory owned by the system user [`VSFTPD_USER`] (made
/// first), for the servers that log that user in.
pub fn user_root() -> tempfile::TempDir {
    ensure_system_user();
    let root = tempfile::tempdir().expect("temporary directory");
    let status = Command::new("chown")
        .args([VSFTPD_USER, &root.path().display().to_string()])
        .status()
        .expect("chown");
    assert!(status.success(), "chown of the test's root");
    root
}

/// A vsftpd server in the foreground on a free loopback port, with its own
/// config and root: anonymous may read, [`VSFTPD_USER`] / [`PASSWORD`] may
/// write.
pub struct Vsftpd {
    child: Child,
    /// The port it listens on.
    pub port: u16,
    /// The directory it serves (owned by the test user).
    pub root: tempfile::TempDir,
    /// The address it listens on (`127.0.0.1` or `::1`).
    pub host: String,
    /// The CA file that verifies its certificate (FTPS servers only).
    pub ca: Option<PathBuf>,
    _conf: tempfile::TempDir,
    _certs: Option<Certs>,
}

impl Vsftpd {
    /// Explicit FTPS on 127.0.0.1 that requires a client certificate
    /// signed by `client.ca` (`require_cert=YES`, `validate_cert=YES`).
    pub fn start_requiring_cert(client: &ClientCert) -> Vsftpd {
        let extra = format!(
            "require_cert=YES\nvalidate_cert=YES\nca_certs_file={}\n",
            client.ca.display()
        );
        Self::start_config(Tls::Explicit, "127.0.0.1", false, &extra)
    }

    /// Starts a clear-text vsftpd on 127.0.0.1.
    pub fn start() -> Vsftpd {
        Self::start_with(Tls::Off, "127.0.0.1")
    }

    /// Starts vsftpd on `host` (`127.0.0.1` or `::1`); with TLS, a
    /// certificate from a fresh test CA ([`Vsftpd::ca`]), TLS required for
    /// user logins and data, data connections required to reuse the
    /// control connection's TLS session (`require_ssl_reuse=YES`), uploads
    /// required to end with close_notify (`strict_ssl_read_eof=YES`). Panics
    /// with its output when it does not come up.
    pub fn start_with(tls: Tls, host: &str) -> Vsftpd {
        Self::start_full(tls, host, false)
    }

    /// Like [`Vsftpd::start_with`]; with `tls12_only`, OpenSSL's
    /// configuration caps the server at TLS 1.2 (vsftpd 3.0 has no option
    /// for it), where sessions resume by session ID or ticket.
    pub fn start_full(tls: Tls, host: &str, tls12_only: bool) -> Vsftpd {
        Self::start_config(tls, host, tls12_only, "")
    }

    /// Like [`Vsftpd::start_full`], with `extra` lines of configuration
    /// (`max_per_ip=2\n`).
    pub fn start_config(tls: Tls, host: &str, tls12_only: bool, extra: &str) -> Vsftpd {
        ensure_system_user();
        std::fs::create_dir_all("/var/run/vsftpd/empty").expect("secure_chroot_dir");
        let root = tempfile::tempdir().expect("temporary directory");
        let conf = tempfile::tempdir().expect("temporary directory");
        // Anonymous users run as `ftp`: the root must be readable, and not
        // writable by them (vsftpd refuses a writable chroot).
        let status = Command::new("chown")
            .args([VSFTPD_USER, &root.path().display().to_string()])
            .status()
            .expect("chown");
        assert!(status.success());
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let certs = (tls != Tls::Off).then(Certs::generate);
        let tls_config = match &certs {
            None => String::new(),
            Some(c) => format!(
                "ssl_enable=YES\nrsa_cert_file={}\nrsa_private_key_file={}\n\
                 allow_anon_ssl=YES\nforce_local_logins_ssl=YES\nforce_local_data_ssl=YES\n\
                 require_ssl_reuse=YES\nstrict_ssl_read_eof=YES\nstrict_ssl_write_shutdown=YES\n\
                 ssl_ciphers=HIGH\nssl_tlsv1=YES\nssl_sslv2=NO\nssl_sslv3=NO\n\
                 implicit_ssl={}\n",
                c.cert.display(),
                c.key.display(),
                if tls == Tls::Implicit { "YES" } else { "NO" },
            ),
        };
        let listen = if host.contains(':') {
            format!("listen=NO\nlisten_ipv6=YES\nlisten_address6={host}\n")
        } else {
            format!("listen=YES\nlisten_address={host}\n")
        };
        for _attempt in 0..5 {
            let port = free_port();
            let pasv = free_port();
            let config = format!(
                "{listen}{}{tls_config}{extra}",
                vsftpd_conf(root.path(), port, pasv)
            );
            let conf_path = conf.path().join("vsftpd.conf");
            std::fs::write(&conf_path, config).expect("write vsftpd.conf");
            let mut cmd = Command::new("/usr/sbin/vsftpd");
            if tls12_only {
                let openssl_conf = conf.path().join("openssl.cnf");
                std::fs::write(
                    &openssl_conf,
                    "openssl_conf = default_conf\n[default_conf]\nssl_conf = ssl_sect\n\
                     [ssl_sect]\nsystem_default = tls_sect\n[tls_sect]\nMaxProtocol = TLSv1.2\n",
                )
                .expect("write openssl.cnf");
                cmd.env("OPENSSL_CONF", openssl_conf);
            }
            let mut child = cmd
                .arg(&conf_path)
                .stdout(Stdio::null())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("vsftpd runs (scripts/install-test-deps.sh installs it)");
            // Wait until it accepts connections, or exits (port taken).
            for _ in 0..100 {
                if std::net::TcpStream::connect((host, port)).is_ok() {
                    return Vsftpd {
                        child,
                        port,
                        root,
                        host: host.to_string(),
                        ca: certs.as_ref().map(|c| c.ca.clone()),
                        _conf: conf,
                        _certs: certs,
                    };
                }
                if let Ok(Some(_)) = child.try_wait() {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            let _ = child.kill();
            let _ = child.wait();
        }
        panic!("vsftpd did not start");
    }

    /// The server certificate's private key (FTPS servers only).
    pub fn key(&self) -> Option<PathBuf> {
        self._certs.as_ref().map(|c| c.key.clone())
    }

    /// `host:port`.
    pub fn addr(&self) -> String {
        host_port(&self.host, self.port)
    }

    /// A path inside the served root.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }

    /// Writes a file in the root that anonymous users can read.
    pub fn put(&self, rel: &str, data: &[u8]) {
        let p = self.path(rel);
        std::fs::write(&p, data).expect("write");
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
}

impl Drop for Vsftpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The body of a vsftpd configuration for the tests: the port, a passive
/// range from `pasv`, anonymous reads and user writes under `root`, no
/// sandboxing that needs more than root (add the `listen` lines).
pub fn vsftpd_conf(root: &Path, port: u16, pasv: u16) -> String {
    let pasv_max = pasv.saturating_add(40);
    format!(
        "listen_port={port}\nbackground=NO\n\
         anonymous_enable=YES\nanon_root={root}\nno_anon_password=YES\n\
         local_enable=YES\nwrite_enable=YES\nlocal_root={root}\nlocal_umask=022\n\
         chroot_local_user=YES\nallow_writeable_chroot=YES\n\
         pam_service_name=vsftpd\nsecure_chroot_dir=/var/run/vsftpd/empty\n\
         pasv_enable=YES\npasv_min_port={pasv}\npasv_max_port={pasv_max}\n\
         port_enable=YES\nseccomp_sandbox=NO\nisolate_network=NO\n\
         xferlog_enable=NO\nutf8_filesystem=YES\n",
        root = root.display()
    )
}
