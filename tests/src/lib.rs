//! Helpers for the interop tests: real servers started on loopback with
//! free ports and temporary directories, stopped when dropped.

pub mod faulty;
pub mod twin;
pub use faulty::{DataFault, Faults, FaultyFtpd};

use std::io::{BufRead, BufReader, Write as _};
use std::net::TcpListener;
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
    /// The CA file that verifies its certificate (FTPS servers only).
    pub ca: Option<PathBuf>,
    _certs: Option<Certs>,
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

/// Writes a test tree under `root`: `files` files in nested directories
/// (up to three levels), some empty, names with spaces and non-ASCII
/// letters, plus empty directories. Sizes follow `seed`; files whose
/// index is a multiple of 10 are `big` bytes long.
pub fn make_tree(root: &Path, files: usize, big: usize, seed: u64) {
    let dirs = [
        "",
        "docs",
        "docs/guide à la carte",
        "src",
        "src/日本",
        "src/日本/deep dir",
        "with space",
    ];
    for d in dirs {
        std::fs::create_dir_all(root.join(d)).expect("mkdir");
    }
    for empty in ["empty dir", "docs/empty too", "src/日本/deep dir/nothing"] {
        std::fs::create_dir_all(root.join(empty)).expect("mkdir");
    }
    for i in 0..files {
        let dir = dirs[i % dirs.len()];
        let name = match i % 4 {
            0 => format!("file {i}.txt"),
            1 => format!("fichier-é-{i}.bin"),
            2 => format!("データ{i}.dat"),
            _ => format!("f{i}"),
        };
        let len = if i % 10 == 0 {
            big
        } else if i % 7 == 0 {
            0
        } else {
            (i * 131 + seed as usize) % 9000
        };
        std::fs::write(
            root.join(dir).join(name),
            random_bytes(len, seed + i as u64),
        )
        .expect("write");
    }
}

/// Every file and directory under `root`, relative, with the file bytes
/// (`None` for directories), sorted; `.part` files included, so a stray
/// one shows.
pub fn read_tree(root: &Path) -> Vec<(String, Option<Vec<u8>>)> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        for entry in std::fs::read_dir(root.join(&rel)).expect("read_dir") {
            let entry = entry.expect("entry");
            let path = rel.join(entry.file_name());
            let shown = path.to_string_lossy().into_owned();
            if entry.file_type().expect("type").is_dir() {
                out.push((shown, None));
                stack.push(path);
            } else {
                out.push((shown, Some(std::fs::read(entry.path()).expect("read"))));
            }
        }
    }
    out.sort();
    out
}

/// `host:port`, with brackets around an IPv6 host.
fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
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

/// Starts a server on a free port of 127.0.0.1: `command(port)` writes
/// what configuration it needs and makes its command line. Tried up to
/// five times (another process may take the port before the server binds
/// it); returns the port and the child once it accepts connections.
fn spawn_listening(what: &str, mut command: impl FnMut(u16) -> Command) -> (u16, Child) {
    for _attempt in 0..5 {
        let port = free_port();
        let mut child = command(port)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("{what} runs (scripts/install-test-deps.sh installs it): {e}")
            });
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return (port, child);
            }
            if let Ok(Some(_)) = child.try_wait() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    panic!("{what} did not start");
}

/// A SOCKS5 proxy (Dante) on 127.0.0.1 and a free port, for targets on
/// 127.0.0.0/8; with `auth`, a user name and password (the system's: the
/// tests' [`VSFTPD_USER`] and [`PASSWORD`]) are required; connections to
/// port `blocked` are refused by its rules. Every connection is logged
/// ([`Dante::log`]).
pub struct Dante {
    /// The port it listens on.
    pub port: u16,
    dir: tempfile::TempDir,
    child: Child,
}

impl Dante {
    /// Starts it (scripts/install-test-deps.sh installs dante-server).
    pub fn start(auth: bool, blocked: Option<u16>) -> Dante {
        ensure_system_user();
        let dir = tempfile::tempdir().expect("temporary directory");
        let method = if auth { "username" } else { "none" };
        let block = blocked.map_or(String::new(), |p| {
            format!("socks block {{\n  from: 0.0.0.0/0 to: 127.0.0.0/8 port = {p}\n  log: connect error\n}}\n")
        });
        let (port, child) = spawn_listening("danted", |port| {
            let config = format!(
                "logoutput: {log}\ninternal: 127.0.0.1 port = {port}\nexternal: 127.0.0.1\n\
                 socksmethod: {method}\nclientmethod: none\n\
                 user.privileged: root\nuser.unprivileged: nobody\n\
                 client pass {{\n  from: 127.0.0.0/8 to: 0.0.0.0/0\n}}\n{block}\
                 socks pass {{\n  from: 127.0.0.0/8 to: 127.0.0.0/8\n  command: connect bind bindreply\n  \
                 socksmethod: {method}\n  log: connect error\n}}\n\
                 socks block {{\n  from: 0.0.0.0/0 to: 0.0.0.0/0\n  log: connect error\n}}\n",
                log = dir.path().join("danted.log").display()
            );
            let conf = dir.path().join("danted.conf");
            std::fs::write(&conf, config).expect("write danted.conf");
            let mut cmd = Command::new("danted");
            cmd.args(["-f", &conf.display().to_string(), "-N", "1"]);
            cmd
        });
        Dante { port, dir, child }
    }

    /// What it logged (a line for each connection it passed or blocked).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("danted.log")).unwrap_or_default()
    }
}

impl Drop for Dante {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP proxy (Tinyproxy) on 127.0.0.1 and a free port, CONNECT to any
/// port unless `ports` names the only ones allowed; with `auth`, basic
/// authentication with that user and password. Its log is
/// [`Tinyproxy::log`].
pub struct Tinyproxy {
    /// The port it listens on.
    pub port: u16,
    dir: tempfile::TempDir,
    child: Child,
}

impl Tinyproxy {
    /// Starts it (scripts/install-test-deps.sh installs tinyproxy).
    pub fn start(auth: Option<(&str, &str)>, ports: &[u16]) -> Tinyproxy {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut extra = String::new();
        if let Some((user, pass)) = auth {
            extra.push_str(&format!("BasicAuth {user} {pass}\n"));
        }
        for p in ports {
            extra.push_str(&format!("ConnectPort {p}\n"));
        }
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let (port, child) = spawn_listening("tinyproxy", |port| {
            let config = format!(
                "User nobody\nGroup nogroup\nPort {port}\nListen 127.0.0.1\nTimeout 60\n\
                 LogFile \"{log}\"\nLogLevel Connect\nMaxClients 100\nAllow 127.0.0.1\n\
                 DisableViaHeader Yes\n{extra}",
                log = dir.path().join("tinyproxy.log").display()
            );
            let conf = dir.path().join("tinyproxy.conf");
            std::fs::write(&conf, config).expect("write tinyproxy.conf");
            let mut cmd = Command::new("tinyproxy");
            cmd.args(["-d", "-c", &conf.display().to_string()]);
            cmd
        });
        Tinyproxy { port, dir, child }
    }

    /// What it logged.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("tinyproxy.log")).unwrap_or_default()
    }
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Where scripts/install-test-deps.sh unpacks ProFTPD (with mod_digest).
pub const PROFTPD: &str = "/opt/ftp-rs-tests/proftpd";

/// A ProFTPD on 127.0.0.1 and a free port with mod_digest (HASH, XSHA256,
/// XSHA1, XMD5, XCRC) and MFMT, logins as the system's users (the tests'
/// [`VSFTPD_USER`] with [`PASSWORD`]), no chroot: the user starts in `/`
/// and reaches [`ProFtpd::root`] by its absolute path.
pub struct ProFtpd {
    /// The port it listens on.
    pub port: u16,
    /// A directory the user owns, for the test's files.
    pub root: tempfile::TempDir,
    _conf: tempfile::TempDir,
    child: Child,
}

impl ProFtpd {
    /// Starts it.
    pub fn start() -> ProFtpd {
        let root = user_root();
        let conf = tempfile::tempdir().expect("temporary directory");
        let (port, child) = spawn_listening("proftpd", |port| {
            let pasv = free_port();
            let dir = conf.path().display();
            let config = format!(
                "ServerName \"ftp-rs test\"\nServerType standalone\nDefaultServer on\n\
                 Port {port}\nDefaultAddress 127.0.0.1\nSocketBindTight on\nUseIPv6 off\n\
                 User nobody\nGroup nogroup\nMaxInstances 30\n\
                 PassivePorts {pasv} {}\nScoreboardFile {dir}/scoreboard\n\
                 PidFile {dir}/proftpd.pid\nDelayTable none\nWtmpLog off\n\
                 RequireValidShell off\nAuthPAM off\nAuthOrder mod_auth_unix.c\n\
                 UseReverseDNS off\nModulePath {PROFTPD}/usr/lib/proftpd\n\
                 LoadModule mod_digest.c\nDigestEngine on\nUmask 022\n\
                 <Directory />\n  AllowOverwrite on\n</Directory>\n",
                pasv.saturating_add(100)
            );
            let conf_path = conf.path().join("proftpd.conf");
            std::fs::write(&conf_path, config).expect("write proftpd.conf");
            let mut cmd = Command::new(format!("{PROFTPD}/usr/sbin/proftpd"));
            cmd.arg("-n").arg("-c").arg(&conf_path);
            cmd
        });
        ProFtpd {
            port,
            root,
            _conf: conf,
            child,
        }
    }

    /// The remote path of `rel` in [`ProFtpd::root`].
    pub fn remote(&self, rel: &str) -> String {
        format!("{}/{rel}", self.root.path().display())
    }
}

impl Drop for ProFtpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

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

/// Where scripts/install-test-deps.sh installs ftp-srv (npm).
pub const FTP_SRV: &str = "/opt/ftp-rs-tests/ftp-srv/node_modules";

/// ftp-srv (the npm package, on Node) on 127.0.0.1 and a free port,
/// through scripts/ftpsrv.js: [`USER`] / [`PASSWORD`] may write in
/// [`FtpSrv::root`] (the session's `/`), anonymous may read it; explicit
/// FTPS with a certificate from [`Certs`] when asked; at most `max`
/// sessions at once when given (the next is greeted with 421).
pub struct FtpSrv {
    /// The port it listens on.
    pub port: u16,
    /// The directory it serves.
    pub root: tempfile::TempDir,
    /// The CA file that verifies its certificate (FTPS only).
    pub ca: Option<PathBuf>,
    _certs: Option<Certs>,
    child: Child,
}

impl FtpSrv {
    /// Starts it: `tls` for explicit FTPS, `max` sessions at most.
    pub fn start(tls: bool, max: Option<usize>) -> FtpSrv {
        assert!(
            Path::new(FTP_SRV).join("ftp-srv").exists(),
            "{FTP_SRV}/ftp-srv is missing (scripts/install-test-deps.sh installs it with npm)"
        );
        let root = tempfile::tempdir().expect("temporary directory");
        let certs = tls.then(Certs::generate);
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/ftpsrv.js");
        let mut cmd = Command::new("node");
        cmd.env("NODE_PATH", FTP_SRV)
            .arg(&script)
            .args(["0", &root.path().display().to_string(), USER, PASSWORD])
            .arg("--anonymous");
        if let Some(c) = &certs {
            cmd.arg("--tls").arg(&c.cert).arg(&c.key);
        }
        if let Some(max) = max {
            cmd.args(["--max", &max.to_string()]);
        }
        // Its standard input is its life line: it exits when the test's
        // end closes it.
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node runs scripts/ftpsrv.js (scripts/install-test-deps.sh installs Node)");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("ftp-srv says it is ready");
        let port = line
            .trim()
            .strip_prefix("ready ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("ftp-srv did not start: {line:?}"));
        FtpSrv {
            port,
            root,
            ca: certs.as_ref().map(|c| c.ca.clone()),
            _certs: certs,
            child,
        }
    }
}

impl Drop for FtpSrv {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
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

/// A clear-text core session to `addr` (`host:port`, `[v6]:port`) through
/// ftp-std, for the tests of the core against real servers.
pub fn connect_core(addr: &str) -> ftp_std::Session {
    let (host, port) = addr.rsplit_once(':').expect("host:port");
    let options = ftp_std::Options::default().timeout(std::time::Duration::from_secs(20));
    ftp_std::Ftp::connect(host, port.parse().expect("port"), &options)
        .expect("connect")
        .into_session()
}

/// Downloads `name` in binary mode (from `rest` when given) into memory.
pub fn retr(
    ftp: &mut ftp_std::Session,
    name: &str,
    rest: Option<u64>,
) -> Result<Vec<u8>, ftp_core::Error<std::io::Error>> {
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
) -> Result<(), ftp_core::Error<std::io::Error>> {
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

/// A scripted hostile server on a loopback port: it answers every listing
/// with evil names (`../evil`, `a/../../b`, absolute paths, NUL, `..`,
/// backslashes) plus `ok.txt` and a `sub` directory, and every RETR with
/// `pwned`, by MLSD or (without MLST in FEAT) by LIST. Serves up to 20
/// connections.
pub fn hostile_ftpd(mlsd: bool) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for _ in 0..20 {
            let Ok((s, _)) = listener.accept() else {
                return;
            };
            std::thread::spawn(move || serve_hostile(s, mlsd));
        }
    });
    port
}

fn evil_names(dir: &str) -> Vec<(&'static str, &'static str)> {
    let mut names = vec![
        ("file", "../evil"),
        ("file", "a/../../b"),
        ("file", "/tmp/ftp-rs-absolute"),
        ("file", "nul\0name"),
        ("file", "..\\..\\win"),
        ("dir", ".."),
        ("dir", "."),
        ("dir", "../up"),
        ("file", "ok.txt"),
    ];
    if dir == "/" {
        names.push(("dir", "sub"));
    }
    names
}

fn serve_hostile(s: std::net::TcpStream, mlsd: bool) {
    let mut w = s.try_clone().unwrap();
    let mut r = BufReader::new(s);
    let mut data: Option<TcpListener> = None;
    let mut cwd = "/".to_string();
    let _ = w.write_all(b"220 hostile\r\n");
    for _ in 0..500 {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let line = line.trim_end();
        let (cmd, arg) = line.split_once(' ').unwrap_or((line, ""));
        let reply = match cmd {
            "USER" => "230 welcome".to_string(),
            "PWD" => format!("257 \"{cwd}\""),
            "CWD" => {
                cwd = if arg.starts_with('/') {
                    arg.to_string()
                } else {
                    format!("/{arg}")
                };
                "250 ok".to_string()
            }
            "FEAT" if mlsd => "211-Features:\r\n MLST type*;size*;modify*;\r\n211 End".to_string(),
            "FEAT" => "211-Features:\r\n SIZE\r\n211 End".to_string(),
            "TYPE" | "OPTS" => "200 ok".to_string(),
            "SIZE" => "213 6".to_string(),
            "MDTM" => "213 20200101000000".to_string(),
            "EPSV" => {
                let l = TcpListener::bind("127.0.0.1:0").unwrap();
                let p = l.local_addr().unwrap().port();
                data = Some(l);
                format!("229 Entering Extended Passive Mode (|||{p}|)")
            }
            "MLSD" | "LIST" | "RETR" => {
                let Some(l) = data.take() else {
                    let _ = w.write_all(b"425 no data connection\r\n");
                    continue;
                };
                let _ = w.write_all(b"150 here\r\n");
                let Ok((mut d, _)) = l.accept() else { return };
                // MLSD and LIST list the path they are given, else the
                // current directory.
                let dir = if cmd != "RETR" && !arg.is_empty() {
                    match arg.trim_end_matches('/') {
                        "" => "/".to_string(),
                        d => d.to_string(),
                    }
                } else {
                    cwd.clone()
                };
                let body = match cmd {
                    "RETR" => "pwned\n".to_string(),
                    "MLSD" => evil_names(&dir)
                        .iter()
                        .map(|(t, n)| format!("type={t};size=6;modify=20200101000000; {n}\r\n"))
                        .collect(),
                    _ => evil_names(&dir)
                        .iter()
                        .map(|(t, n)| {
                            let k = if *t == "dir" { 'd' } else { '-' };
                            format!("{k}rw-r--r--   1 u g 6 Jan 01  2020 {n}\r\n")
                        })
                        .collect(),
                };
                let _ = d.write_all(body.as_bytes());
                drop(d);
                "226 done".to_string()
            }
            "QUIT" => {
                let _ = w.write_all(b"221 bye\r\n");
                return;
            }
            _ => "502 no".to_string(),
        };
        if w.write_all(format!("{reply}\r\n").as_bytes()).is_err() {
            return;
        }
    }
}

/// A scripted FTPS server that does CCC (vsftpd and pyftpdlib do not): on
/// 127.0.0.1, one session: `220`, `AUTH TLS` → `234` and the handshake,
/// `USER` → `230`, `CWD` → `200` and 300 ms later a stray `250`, `PWD` →
/// `257`, `CCC` → `200`, then its close_notify (after the client's) and
/// clear text again: `NOOP` → `200`, `QUIT` → `221`. Each
/// command it read goes into the returned log, `(command, over TLS)`.
pub struct CccFtpd {
    /// The port it listens on.
    pub port: u16,
    /// The CA certificate to verify it with.
    pub certs: Certs,
    log: std::sync::Arc<std::sync::Mutex<Vec<(String, bool)>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl CccFtpd {
    /// Starts it; it serves one session.
    pub fn start() -> CccFtpd {
        use ftp_std::rustls;
        use rustls::pki_types::pem::PemObject;
        use std::io::{BufRead, BufReader, Write};
        let certs = Certs::generate();
        let chain = rustls::pki_types::CertificateDer::pem_file_iter(&certs.cert)
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let key = rustls::pki_types::PrivateKeyDer::from_pem_file(&certs.key).unwrap();
        let config = std::sync::Arc::new(
            rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap(),
        );
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let record = log.clone();
        let thread = std::thread::spawn(move || {
            let Ok((mut tcp, _)) = listener.accept() else {
                return;
            };
            tcp.set_read_timeout(Some(std::time::Duration::from_secs(10)))
                .unwrap();
            let say = |w: &mut dyn Write, text: &str| {
                let _ = w.write_all(format!("{text}\r\n").as_bytes());
                let _ = w.flush();
            };
            say(&mut tcp, "220 ccc test server");
            // Clear text until AUTH TLS.
            let mut clear = BufReader::new(tcp.try_clone().unwrap());
            let mut line = String::new();
            if clear.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            record
                .lock()
                .unwrap()
                .push((line.trim_end().to_string(), false));
            say(&mut tcp, "234 go ahead");
            let mut conn = rustls::ServerConnection::new(config).unwrap();
            let mut tls = rustls::Stream::new(&mut conn, &mut tcp);
            let mut buf = Vec::new();
            // USER, then CCC, over TLS; a byte at a time.
            for _ in 0..1000 {
                let mut byte = [0u8; 1];
                match std::io::Read::read(&mut tls, &mut byte) {
                    Ok(1) => buf.push(byte[0]),
                    _ => return,
                }
                if !buf.ends_with(b"\r\n") {
                    continue;
                }
                let cmd = String::from_utf8_lossy(&buf).trim_end().to_string();
                buf.clear();
                record.lock().unwrap().push((cmd.clone(), true));
                if cmd.starts_with("CCC") {
                    say(&mut tls, "200 back to clear text");
                    break;
                }
                if cmd.starts_with("CWD") {
                    // A doubled reply, the second one late: stray.
                    say(&mut tls, "200 ok");
                    std::thread::sleep(std::time::Duration::from_millis(300));
                    say(&mut tls, "250 late twin");
                    continue;
                }
                if cmd.starts_with("PWD") {
                    say(&mut tls, "257 \"/\" is here");
                    continue;
                }
                say(&mut tls, "230 in");
            }
            // The client's close_notify, then ours.
            for _ in 0..100 {
                match conn.read_tls(&mut tcp) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                let Ok(state) = conn.process_new_packets() else {
                    return;
                };
                if state.peer_has_closed() {
                    break;
                }
            }
            conn.send_close_notify();
            while conn.wants_write() {
                if conn.write_tls(&mut tcp).is_err() {
                    return;
                }
            }
            // Clear text again.
            let mut clear = BufReader::new(tcp.try_clone().unwrap());
            for _ in 0..10 {
                let mut line = String::new();
                if clear.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let cmd = line.trim_end().to_string();
                record.lock().unwrap().push((cmd.clone(), false));
                if cmd == "QUIT" {
                    say(&mut tcp, "221 bye");
                    return;
                }
                say(&mut tcp, "200 ok");
            }
        });
        CccFtpd {
            port,
            certs,
            log,
            thread: Some(thread),
        }
    }

    /// The commands it read, each with whether it came over TLS (the
    /// session must be over when this is asked).
    pub fn finish(mut self) -> Vec<(String, bool)> {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.log.lock().unwrap().clone()
    }
}
