//! Helpers for the interop tests: real servers started on loopback with
//! free ports and temporary directories, stopped when dropped.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

/// A pyftpdlib server (scripts/ftpd.py) serving a temporary root.
pub struct PyFtpd {
    child: Child,
    /// The port it listens on.
    pub port: u16,
    /// The address it listens on.
    pub host: String,
    /// The directory it serves.
    pub root: tempfile::TempDir,
}

/// The test user's name and password on servers that have one.
pub const USER: &str = "tester";
/// The test user's password.
pub const PASSWORD: &str = "s3cret pass";

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

impl PyFtpd {
    /// Starts pyftpdlib on `host` (`127.0.0.1` or `::1`) with anonymous
    /// read access and [`USER`] with write access. Panics with the
    /// server's output when it does not start: the test cannot run.
    pub fn start(host: &str) -> PyFtpd {
        let root = tempfile::tempdir().expect("temporary directory");
        let mut child = Command::new("python3")
            .arg(project_root().join("scripts/ftpd.py"))
            .arg(root.path())
            .args(["--user", USER, "--password", PASSWORD, "--host", host])
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
        }
    }

    /// `host:port` to connect to.
    pub fn addr(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    /// A path inside the served root.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.path().join(rel)
    }
}

impl Drop for PyFtpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Deterministic pseudo-random bytes (xorshift), so a failure reproduces.
pub fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// True when this machine can listen on ::1.
pub fn have_ipv6() -> bool {
    std::net::TcpListener::bind("[::1]:0").is_ok()
}

/// A free TCP port on loopback (the OS picks it; it is released at once,
/// so another process could take it: tests retry the server start).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The system user vsftpd logs in through PAM (created once).
pub const VSFTPD_USER: &str = "ftprstest";

fn ensure_system_user() {
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

/// A vsftpd server in the foreground on a free loopback port, with its own
/// config and root: anonymous may read, [`VSFTPD_USER`] / [`PASSWORD`] may
/// write.
pub struct Vsftpd {
    child: Child,
    /// The port it listens on.
    pub port: u16,
    /// The directory it serves (owned by the test user).
    pub root: tempfile::TempDir,
    _conf: tempfile::TempDir,
}

impl Vsftpd {
    /// Starts vsftpd; panics with its output when it does not come up.
    pub fn start() -> Vsftpd {
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
        for _attempt in 0..5 {
            let port = free_port();
            let pasv = free_port();
            let pasv_max = pasv.saturating_add(40);
            let config = format!(
                "listen=YES\nlisten_address=127.0.0.1\nlisten_port={port}\nbackground=NO\n\
                 anonymous_enable=YES\nanon_root={root}\nno_anon_password=YES\n\
                 local_enable=YES\nwrite_enable=YES\nlocal_root={root}\nlocal_umask=022\n\
                 pam_service_name=vsftpd\nsecure_chroot_dir=/var/run/vsftpd/empty\n\
                 pasv_enable=YES\npasv_min_port={pasv}\npasv_max_port={pasv_max}\n\
                 port_enable=YES\nseccomp_sandbox=NO\nisolate_network=NO\n\
                 xferlog_enable=NO\nutf8_filesystem=YES\n",
                root = root.path().display()
            );
            let conf_path = conf.path().join("vsftpd.conf");
            std::fs::write(&conf_path, config).expect("write vsftpd.conf");
            let mut child = Command::new("/usr/sbin/vsftpd")
                .arg(&conf_path)
                .stdout(Stdio::null())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("vsftpd runs (scripts/install-test-deps.sh installs it)");
            // Wait until it accepts connections, or exits (port taken).
            for _ in 0..100 {
                if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                    return Vsftpd {
                        child,
                        port,
                        root,
                        _conf: conf,
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

    /// `127.0.0.1:port`.
    pub fn addr(&self) -> String {
        format!("127.0.0.1:{}", self.port)
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

/// Downloads `name` in binary mode (from `rest` when given) into memory.
pub fn retr(
    ftp: &mut ftp_std::Session,
    name: &str,
    rest: Option<u64>,
) -> Result<Vec<u8>, ftp_std::Error> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    ftp.retrbinary(&format!("RETR {name}"), &mut buf, rest, |b| {
        out.extend_from_slice(b);
        Ok(())
    })?;
    Ok(out)
}

/// Uploads `data` to `name` in binary mode (from `rest` when given).
pub fn stor(
    ftp: &mut ftp_std::Session,
    name: &str,
    data: &[u8],
    rest: Option<u64>,
) -> Result<(), ftp_std::Error> {
    let mut buf = vec![0u8; 64 * 1024];
    ftp.storbinary(
        &format!("STOR {name}"),
        &mut buf,
        rest,
        ftp_core::doc_support::source(data),
        |_| {},
    )?;
    Ok(())
}
