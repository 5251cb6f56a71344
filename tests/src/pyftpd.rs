//! pyftpdlib (scripts/ftpd.py) on loopback.

use super::*;

/// A pyftpdlib server (scripts/ftpd.py) serving a temporary root.
pub struct PyFtpd {
    child: Child,
    /// The port it listens on.
    pub port: u16,
    /// The address it listens on.
    pub host: String,
    /// The directory it serves.
    pub root: tempfile::TempDir,
    /// The CA file that verifies its certificate (FTPS servers only).
    pub ca: Option<PathBuf>,
    _certs: Option<Certs>,
}

impl PyFtpd {
    /// Starts pyftpdlib on `host` (`127.0.0.1` or `::1`) with anonymous
    /// read access and [`USER`] with write access. Panics with the
    /// server's output when it does not start: the test cannot run.
    pub fn start(host: &str) -> PyFtpd {
        Self::start_with(host, false)
    }

    /// Like [`PyFtpd::start`]; with `tls`, an explicit FTPS server that
    /// requires TLS on control and data connections, with a certificate
    /// from a fresh test CA ([`PyFtpd::ca`]).
    pub fn start_with(host: &str, tls: bool) -> PyFtpd {
        Self::start_certs(host, tls.then(Certs::generate))
    }

    /// Like [`PyFtpd::start`], an explicit FTPS server with `certs` when
    /// given.
    pub fn start_certs(host: &str, certs: Option<Certs>) -> PyFtpd {
        Self::start_args(host, certs, &[])
    }

    /// Like [`PyFtpd::start`], a server whose names are bytes on the wire
    /// exactly as on disk (`--raw-names`): a Latin-1 or CP1251 name in its
    /// root is listed, and must be asked for, as its own bytes.
    pub fn start_raw_names(host: &str) -> PyFtpd {
        Self::start_args(host, None, &["--raw-names"])
    }

    /// Like [`PyFtpd::start`], a server where [`USER`] may not list the
    /// directory `rel` (made under the root): LIST and MLSD of it are
    /// answered 550, as a server does for a directory it may not read.
    pub fn start_unlistable(host: &str, rel: &str) -> PyFtpd {
        Self::start_args(host, None, &["--unlistable", rel])
    }

    /// Like [`PyFtpd::start`], a server whose listings' data connections
    /// fail: LIST, NLST and MLSD are answered 425 and their data
    /// connection closed (RETR and STOR work); STAT lists a directory.
    pub fn start_no_listing_data(host: &str) -> PyFtpd {
        Self::start_args(host, None, &["--no-listing-data"])
    }

    /// Like [`PyFtpd::start`], with a virtual host (RFC 7151): FEAT lists
    /// HOST, and a session that says `HOST name` before login has the
    /// directory `rel` under the root as its root (other names get 504).
    pub fn start_vhost(host: &str, name: &str, rel: &str) -> PyFtpd {
        Self::start_args(host, None, &["--vhost", &format!("{name}={rel}")])
    }

    /// Like [`PyFtpd::start`], a server whose LIST of any path sends the
    /// lines of the file `lines` (a z/OS or OS/400 listing, say), CRLF
    /// ended as they are in the file.
    pub fn start_listing(host: &str, lines: &Path) -> PyFtpd {
        let lines = lines.display().to_string();
        Self::start_args(host, None, &["--list-lines", &lines])
    }

    /// Like [`PyFtpd::start`], a server that takes data connections to and
    /// from other hosts than its client (`permit_foreign_addresses`), for
    /// server-to-server copies.
    pub fn start_fxp(host: &str) -> PyFtpd {
        Self::start_args(host, None, &["--fxp"])
    }

    /// Like [`PyFtpd::start_with`] with TLS and [`PyFtpd::start_fxp`],
    /// a server with SSCN and CPSV (`--sscn`, as glftpd has them): after
    /// `SSCN ON` (every data connection) or `CPSV` (the next one) it is
    /// the TLS client of the data connection, as FXP over FTPS needs.
    pub fn start_sscn(host: &str) -> PyFtpd {
        Self::start_args(host, Some(Certs::generate()), &["--fxp", "--sscn"])
    }

    /// Like [`PyFtpd::start`], a server whose `STAT dir` gives the names
    /// alone (a short `ls`) and `STAT -l dir` the long lines.
    pub fn start_short_stat(host: &str) -> PyFtpd {
        Self::start_args(host, None, &["--short-stat"])
    }

    /// Like [`PyFtpd::start`], a server whose LIST times are in the time
    /// zone `tz` (POSIX: `XXX-2` is two hours east of UTC), not UTC, while
    /// MDTM stays UTC (as ProFTPD's).
    pub fn start_zone(host: &str, tz: &str) -> PyFtpd {
        Self::start_args(host, None, &["--tz", tz])
    }

    fn start_args(host: &str, certs: Option<Certs>, extra: &[&str]) -> PyFtpd {
        let root = tempfile::tempdir().expect("temporary directory");
        let mut cmd = Command::new("python3");
        cmd.arg(project_root().join("scripts/ftpd.py"))
            .arg(root.path())
            .args(["--user", USER, "--password", PASSWORD, "--host", host])
            .args(extra);
        if let Some(c) = &certs {
            cmd.arg("--certfile")
                .arg(&c.cert)
                .arg("--keyfile")
                .arg(&c.key);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("python3 runs (scripts/install-test-deps.sh installs pyftpdlib)");
        let mut line = String::new();
        let stdout = child.stdout.take().expect("stdout");
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("read the port");
        let port = match line.trim().parse() {
            Ok(p) => p,
            Err(_) => {
                let _ = child.kill();
                panic!("pyftpdlib did not start on {host} (is it installed?)");
            }
        };
        PyFtpd {
            child,
            port,
            host: host.to_string(),
            root,
            ca: certs.as_ref().map(|c| c.ca.clone()),
            _certs: certs,
        }
    }

    /// `host:port` to connect to.
    pub fn addr(&self) -> String {
        host_port(&self.host, self.port)
    }

    /// A path inside the served root.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }

    /// Kills the server at once (its connections die with it); the served
    /// root stays until the value is dropped.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for PyFtpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
