//! Pure-FTPd.

use super::*;

/// Where scripts/install-test-deps.sh unpacks Pure-FTPd (its Debian
/// package conflicts with vsftpd's, so it is not installed).
pub const PURE_FTPD: &str = "/opt/ftp-rs-tests/pure-ftpd/usr/sbin/pure-ftpd";

/// A Pure-FTPd on 127.0.0.1 and a free port, logins checked against the
/// system's users (the tests' [`VSFTPD_USER`] with [`PASSWORD`]), no
/// anonymous access, no chroot: the user starts in `/` and reaches
/// [`PureFtpd::root`] by its absolute path.
pub struct PureFtpd {
    /// The port it listens on.
    pub port: u16,
    /// A directory the user owns, for the test's files.
    pub root: tempfile::TempDir,
    child: Child,
}

impl PureFtpd {
    /// Starts it (installed by scripts/install-test-deps.sh).
    pub fn start() -> PureFtpd {
        let root = user_root();
        let (port, child) = spawn_listening("pure-ftpd", |port| {
            let pasv = free_port();
            let mut cmd = Command::new(PURE_FTPD);
            cmd.args([
                "-S",
                &format!("127.0.0.1,{port}"),
                "-l",
                "unix",
                "-E",
                "-p",
                &format!("{pasv}:{}", pasv.saturating_add(200)),
            ]);
            cmd
        });
        PureFtpd { port, root, child }
    }
}

impl Drop for PureFtpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
