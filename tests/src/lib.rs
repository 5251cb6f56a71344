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
