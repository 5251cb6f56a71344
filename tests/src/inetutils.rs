//! inetutils-ftpd, run per connection by an inetd-style listener of the test.

use super::*;

/// Where scripts/install-test-deps.sh unpacks GNU inetutils' ftpd (its
/// Debian package conflicts with vsftpd's, so it is not installed).
pub const INETUTILS_FTPD: &str = "/opt/ftp-rs-tests/inetutils-ftpd/usr/sbin/ftpd";

/// GNU inetutils' ftpd (Debian's `inetutils-ftpd`), run as inetd runs it:
/// a listener of the test's own on a free port of `host` starts one
/// `ftpd` per connection with the connection as its standard input and
/// output. Logins are the system's users (the tests' [`VSFTPD_USER`] with
/// [`PASSWORD`], no chroot: the user starts in `/` and reaches
/// [`InetFtpd::root`] by its absolute path) and anonymous (chrooted to the
/// system `ftp` user's home, where it may not write). No TLS, no MLSD.
pub struct InetFtpd {
    /// The port it listens on.
    pub port: u16,
    /// The address it listens on.
    pub host: String,
    /// A directory the user owns, for the test's files.
    pub root: tempfile::TempDir,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    children: std::sync::Arc<std::sync::Mutex<Vec<Child>>>,
}

impl InetFtpd {
    /// Starts the listener (ftpd installed by scripts/install-test-deps.sh).
    pub fn start(host: &str) -> InetFtpd {
        use std::sync::atomic::{AtomicBool, Ordering};
        use std::sync::{Arc, Mutex};
        assert!(
            Path::new(INETUTILS_FTPD).exists(),
            "{INETUTILS_FTPD} is missing (scripts/install-test-deps.sh unpacks inetutils-ftpd)"
        );
        let root = user_root();
        let listener = TcpListener::bind((host, 0)).expect("bind the inetd listener");
        let port = listener.local_addr().expect("address").port();
        listener.set_nonblocking(true).expect("non-blocking");
        let stop = Arc::new(AtomicBool::new(false));
        let children: Arc<Mutex<Vec<Child>>> = Arc::new(Mutex::new(Vec::new()));
        let (stop2, children2) = (stop.clone(), children.clone());
        std::thread::spawn(move || {
            // Bounded: 4000 connections, or until the server is dropped.
            let mut served = 0;
            while served < 4000 && !stop2.load(Ordering::SeqCst) {
                let Ok((conn, _)) = listener.accept() else {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    continue;
                };
                served += 1;
                let _ = conn.set_nonblocking(false);
                let (Ok(input), Ok(output)) = (conn.try_clone(), conn.try_clone()) else {
                    continue;
                };
                let child = Command::new(INETUTILS_FTPD)
                    .stdin(Stdio::from(std::os::fd::OwnedFd::from(input)))
                    .stdout(Stdio::from(std::os::fd::OwnedFd::from(output)))
                    .stderr(Stdio::null())
                    .spawn();
                drop(conn);
                if let (Ok(child), Ok(mut all)) = (child, children2.lock()) {
                    // Reap the ones that ended.
                    all.retain_mut(|c| !matches!(c.try_wait(), Ok(Some(_))));
                    all.push(child);
                }
            }
        });
        InetFtpd {
            port,
            host: host.to_string(),
            root,
            stop,
            children,
        }
    }

    /// The remote path of `rel` in [`InetFtpd::root`].
    pub fn remote(&self, rel: &str) -> String {
        format!("{}/{rel}", self.root.path().display())
    }
}

impl Drop for InetFtpd {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        if let Ok(mut all) = self.children.lock() {
            for c in all.iter_mut() {
                let _ = c.kill();
                let _ = c.wait();
            }
        }
    }
}

/// The home of the system `ftp` user, where inetutils-ftpd roots
/// anonymous sessions (Debian's vsftpd package makes the user, with
/// `/srv/ftp`); made when missing.
pub fn anonymous_home() -> PathBuf {
    let out = Command::new("getent")
        .args(["passwd", "ftp"])
        .output()
        .expect("getent runs");
    let line = String::from_utf8_lossy(&out.stdout).into_owned();
    let home = line.split(':').nth(5).map(str::to_string);
    let home = match home {
        Some(h) if !h.is_empty() => PathBuf::from(h),
        _ => {
            let status = Command::new("useradd")
                .args([
                    "--system",
                    "--home-dir",
                    "/srv/ftp",
                    "--shell",
                    "/usr/sbin/nologin",
                    "ftp",
                ])
                .status()
                .expect("useradd runs (tests need root)");
            assert!(status.success(), "cannot create the ftp user");
            PathBuf::from("/srv/ftp")
        }
    };
    std::fs::create_dir_all(&home).expect("the ftp user's home");
    home
}
