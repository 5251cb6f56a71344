//! The firmware-style client (`firmware_tap`: ftp-core + smoltcp, fixed
//! buffers) against a real pyftpdlib over a TAP device: both live in a
//! network namespace this test creates (192.0.2.1 on the Linux side of
//! the TAP, 192.0.2.2 on smoltcp's) and removes afterwards, also when the
//! test fails. Needs root; without it the test fails and says why.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ftp_tests::{PASSWORD, USER, VSFTPD_USER, random_bytes};

/// A network namespace with a TAP device `tap0` at 192.0.2.1/24, and the
/// processes started in it; all removed on drop.
struct Namespace {
    name: String,
    children: Vec<Child>,
}

fn ip(args: &[&str]) -> Result<(), String> {
    let out = Command::new("ip")
        .args(args)
        .output()
        .map_err(|e| format!("cannot run `ip` (iproute2): {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "`ip {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

impl Namespace {
    fn create() -> Namespace {
        // One per test: tests of this file run in parallel.
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let name = format!("ftprs-tap-{}-{n}", std::process::id());
        let _ = ip(&["netns", "del", &name]);
        let ns = Namespace {
            name,
            children: Vec::new(),
        };
        let n = ns.name.as_str();
        let setup = ip(&["netns", "add", n])
            .and_then(|()| ip(&["-n", n, "link", "set", "lo", "up"]))
            .and_then(|()| ip(&["-n", n, "tuntap", "add", "dev", "tap0", "mode", "tap"]))
            .and_then(|()| ip(&["-n", n, "addr", "add", "192.0.2.1/24", "dev", "tap0"]))
            .and_then(|()| ip(&["-n", n, "link", "set", "tap0", "up"]));
        if let Err(e) = setup {
            panic!(
                "cannot make the network namespace and TAP device this test needs \
                 (it must run as root, with /dev/net/tun): {e}"
            );
        }
        ns
    }

    /// `program` inside the namespace; `qemu:NAME` is the firmware image
    /// NAME booted in QEMU by scripts/qemu-device.sh (the same device
    /// contract as the host programs').
    fn command(&self, program: impl AsRef<std::ffi::OsStr>) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.name]);
        match program
            .as_ref()
            .to_str()
            .and_then(|p| p.strip_prefix("qemu:"))
        {
            Some(image) => {
                let launcher =
                    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/qemu-device.sh");
                cmd.arg("bash").arg(launcher).arg(image);
            }
            None => {
                cmd.arg(program);
            }
        }
        cmd
    }

    /// Starts one of the project's Python servers (`scripts/NAME`) inside
    /// the namespace and returns the port it printed.
    fn start_server<S: AsRef<std::ffi::OsStr>>(&mut self, name: &str, args: &[S]) -> u16 {
        let script = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../scripts")
            .join(name);
        let mut server = self
            .command("python3")
            .arg(&script)
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let stdout = server.stdout.take().unwrap();
        self.children.push(server);
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        line.trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name} printed no port: {line:?}"))
    }
}

/// Waits for `child`, at most `limit` (then kills it and fails).
fn wait_bounded(client: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = client.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = client.kill();
            panic!("the firmware client did not finish in {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Drop for Namespace {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
        let _ = ip(&["netns", "del", &self.name]);
    }
}

/// The real servers the device programs are tested against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Server {
    Pyftpdlib,
    Vsftpd,
}

/// FTPS on the device's side of the test: the server's certificate (for
/// 192.0.2.1), and whether the server stops at TLS 1.2.
struct Ftps<'a> {
    certs: &'a ftp_tests::Certs,
    tls12: bool,
}

/// Starts vsftpd inside the namespace on 192.0.2.1:2121, serving `root`
/// to the test's system user; returns once it accepts connections. With
/// `tls`, explicit FTPS is required for logins and data, data connections
/// must resume the control connection's session (`require_ssl_reuse`)
/// and uploads end with close_notify (`strict_ssl_read_eof`).
fn start_vsftpd_tls(
    ns: &mut Namespace,
    root: &Path,
    conf_dir: &Path,
    tls: Option<&Ftps<'_>>,
) -> u16 {
    ftp_tests::ensure_system_user();
    std::fs::create_dir_all("/var/run/vsftpd/empty").unwrap();
    let owned = Command::new("chown")
        .args(["-R", VSFTPD_USER])
        .arg(root)
        .status()
        .expect("chown runs");
    assert!(owned.success());
    let port = 2121;
    let conf = conf_dir.join("vsftpd.conf");
    let body = ftp_tests::vsftpd_conf(root, port, 30000);
    let ssl = match tls {
        None => String::new(),
        Some(t) => format!(
            "ssl_enable=YES\nrsa_cert_file={}\nrsa_private_key_file={}\n\
             force_local_logins_ssl=YES\nforce_local_data_ssl=YES\n\
             require_ssl_reuse=YES\nstrict_ssl_read_eof=YES\nssl_ciphers=HIGH\n",
            t.certs.cert.display(),
            t.certs.key.display()
        ),
    };
    std::fs::write(
        &conf,
        format!("listen=YES\nlisten_address=192.0.2.1\n{body}{ssl}"),
    )
    .unwrap();
    let mut cmd = ns.command("/usr/sbin/vsftpd");
    cmd.arg(&conf).stdout(Stdio::null());
    if tls.is_some_and(|t| t.tls12) {
        // vsftpd 3.0 has no option for it: OpenSSL's configuration caps it.
        let openssl_conf = conf_dir.join("openssl.cnf");
        std::fs::write(
            &openssl_conf,
            "openssl_conf = default_conf\n[default_conf]\nssl_conf = ssl_sect\n\
             [ssl_sect]\nsystem_default = tls_sect\n[tls_sect]\nMaxProtocol = TLSv1.2\n",
        )
        .unwrap();
        cmd.env("OPENSSL_CONF", openssl_conf);
    }
    let child = cmd
        .spawn()
        .expect("vsftpd runs (scripts/install-test-deps.sh installs it)");
    ns.children.push(child);
    // Bounded: until it listens, at most 5 s.
    for _ in 0..50 {
        let up = ns
            .command("python3")
            .args([
                "-c",
                "import socket; socket.create_connection(('192.0.2.1', 2121), 1)",
            ])
            .stderr(Stdio::null())
            .status()
            .expect("python3 runs");
        if up.success() {
            return port;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("vsftpd did not start in the namespace");
}

fn client_over_tap(bin: &str, kind: Server) {
    client_over_tap_in(bin, kind, false);
}

/// The device program against a real server; with `active`, the data
/// connections are the server's to open (embassy_tap's FTP_ACTIVE=1).
fn client_over_tap_in(bin: &str, kind: Server, active: bool) {
    client_over_tap_with(bin, kind, active, None);
}

/// [`client_over_tap_in`]; with `tls`, the server requires explicit FTPS
/// and the client (`firmware_tls_tap`) gets the CA file as its last
/// argument.
fn client_over_tap_with(bin: &str, kind: Server, active: bool, tls: Option<&Ftps<'_>>) {
    let mut ns = Namespace::create();
    let root = tempfile::tempdir().unwrap();
    let conf_dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("pub")).unwrap();
    let image = random_bytes(4 << 20, 66);
    std::fs::write(root.path().join("pub/firmware.bin"), &image).unwrap();
    std::fs::write(root.path().join("pub/notes.txt"), b"release notes\n").unwrap();

    let root_arg = root.path().display().to_string();
    let (port, user) = match kind {
        Server::Pyftpdlib => {
            let mut args = vec![
                root_arg.clone(),
                "--user".into(),
                USER.into(),
                "--password".into(),
                PASSWORD.into(),
                "--host".into(),
                "192.0.2.1".into(),
            ];
            if let Some(t) = tls {
                args.extend([
                    "--certfile".into(),
                    t.certs.cert.display().to_string(),
                    "--keyfile".into(),
                    t.certs.key.display().to_string(),
                ]);
            }
            let port = ns.start_server("ftpd.py", &args);
            (port, USER)
        }
        Server::Vsftpd => {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
            (
                start_vsftpd_tls(&mut ns, root.path(), conf_dir.path(), tls),
                VSFTPD_USER,
            )
        }
    };

    let work = tempfile::tempdir().unwrap();
    let out = work.path().join("firmware.bin");
    let log = work.path().join("device.log");
    let log_bytes: Vec<u8> = (0..3000)
        .flat_map(|i| format!("{i:05} sensor ok, temperature 21.{}\n", i % 10).into_bytes())
        .collect();
    std::fs::write(&log, &log_bytes).unwrap();
    let server_addr = format!("192.0.2.1:{port}");
    let mut client = ns.command(bin);
    client
        .env("FTP_ACTIVE", if active { "1" } else { "0" })
        .args(["tap0", &server_addr, user, PASSWORD, "pub", "firmware.bin"])
        .arg(&out)
        .arg(&log)
        .arg("device.log");
    if let Some(t) = tls {
        client.arg(&t.certs.ca);
    }
    let mut client = client
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example runs");
    // Bounded: a hung client is killed and the test fails.
    let status = wait_bounded(&mut client, Duration::from_secs(120));
    let output = client.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    println!("{text}");
    assert!(
        status.success(),
        "{text}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        text.contains(" firmware.bin\n") && text.contains(" notes.txt\n"),
        "{text}"
    );
    assert!(text.contains("downloaded 4194304 bytes in"), "{text}");
    if active {
        assert!(text.contains("data connections: active"), "{text}");
    }
    assert!(
        std::fs::read(&out).unwrap() == image,
        "the image arrived byte for byte"
    );
    assert_eq!(
        std::fs::read(root.path().join("pub/device.log")).unwrap(),
        log_bytes
    );
    assert!(
        text.trim_end().lines().any(|l| l.starts_with("221 ")),
        "{text}"
    );
    if tls.is_some() {
        assert!(text.contains("234 "), "AUTH TLS was answered: {text}");
        assert!(text.contains("heap: at most "), "{text}");
        // No data connection was refused for want of session reuse.
        assert!(!text.lines().any(|l| l.starts_with("522")), "{text}");
    }
}

/// The FTPS device program against a server whose certificate comes from
/// another CA than the device's: refused at the handshake, with a clear
/// one-line error, and nothing logged in.
fn tls_certificate_from_another_ca_is_refused(bin: &str, kind: Server) {
    let certs = ftp_tests::Certs::generate_for(&["192.0.2.1"]);
    let other = ftp_tests::Certs::generate_for(&["192.0.2.1"]);
    let mut ns = Namespace::create();
    let root = tempfile::tempdir().unwrap();
    let conf_dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("pub")).unwrap();
    let tls = Ftps {
        certs: &certs,
        tls12: false,
    };
    let root_arg = root.path().display().to_string();
    let (port, user) = match kind {
        Server::Pyftpdlib => {
            let cert = certs.cert.display().to_string();
            let key = certs.key.display().to_string();
            let args = [
                root_arg.as_str(),
                "--user",
                USER,
                "--password",
                PASSWORD,
                "--host",
                "192.0.2.1",
                "--certfile",
                &cert,
                "--keyfile",
                &key,
            ];
            (ns.start_server("ftpd.py", &args), USER)
        }
        Server::Vsftpd => {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(root.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
            (
                start_vsftpd_tls(&mut ns, root.path(), conf_dir.path(), Some(&tls)),
                VSFTPD_USER,
            )
        }
    };
    let work = tempfile::tempdir().unwrap();
    let log = work.path().join("device.log");
    std::fs::write(&log, b"x\n").unwrap();
    let mut client = ns
        .command(bin)
        .args([
            "tap0",
            &format!("192.0.2.1:{port}"),
            user,
            PASSWORD,
            "pub",
            "f",
        ])
        .arg(work.path().join("out"))
        .arg(&log)
        .arg("device.log")
        .arg(&other.ca)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example runs");
    let status = wait_bounded(&mut client, Duration::from_secs(60));
    let output = client.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(!status.success(), "{text}");
    assert!(
        err.starts_with("error: TLS on the control connection") && err.contains("certificate"),
        "{err}"
    );
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    assert!(!text.contains("230 "), "{text}");
}

/// A port nobody listens on, over the same TAP: smoltcp's connect ends in a
/// clear error (the kernel answers with a reset), well before its timeout.
fn refused_connection_is_a_clear_error(bin: &str) {
    let ns = Namespace::create();
    let work = tempfile::tempdir().unwrap();
    let log = work.path().join("log");
    std::fs::write(&log, b"x").unwrap();
    let started = Instant::now();
    let output = ns
        .command(bin)
        .args(["tap0", "192.0.2.1:9", USER, PASSWORD, "pub", "f"])
        .arg(work.path().join("out"))
        .arg(&log)
        .arg("remote.log")
        .output()
        .expect("the example runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("error: connect: connection reset"),
        "{stderr}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "{:?}",
        started.elapsed()
    );
    assert!(!work.path().join("out").exists(), "nothing written");
}

/// A server that goes silent mid-download (150, 64 KiB, then nothing on
/// either connection): the client's 10 s timeout ends it with a timeout
/// error within the timeout and a small margin. Before smoltcp's idle got
/// the time left to the deadline, the client slept until a packet came
/// and ended only after about a minute, woken by the host's
/// retransmissions; a device that sleeps until an interrupt would hang.
fn times_out_on_a_silent_server(bin: &str) {
    let mut ns = Namespace::create();
    let port = ns.start_server("stallftpd.py", &["--host", "192.0.2.1"]);
    let work = tempfile::tempdir().unwrap();
    let log = work.path().join("log");
    std::fs::write(&log, b"x").unwrap();
    let started = Instant::now();
    let mut client = ns
        .command(bin)
        .args([
            "tap0",
            &format!("192.0.2.1:{port}"),
            USER,
            PASSWORD,
            "pub",
            "firmware.bin",
        ])
        .arg(work.path().join("out"))
        .arg(&log)
        .arg("remote.log")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example runs");
    // Bounded: a hung client is killed and the test fails.
    let status = wait_bounded(&mut client, Duration::from_secs(90));
    let took = started.elapsed();
    let output = client.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!status.success());
    assert!(
        stderr.starts_with("error: RETR: I/O error: timed out"),
        "{stderr}"
    );
    // Three attempts (the server has no REST: each starts over and stalls
    // again), each ended by the 10 s timeout of the data read (no second
    // wait for a final reply the silent server will not send), with
    // pauses of 1 and 2 s: within the download's 60 s deadline.
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout.matches("attempt ").count(), 2, "{stdout}");
    assert!(
        took >= Duration::from_secs(30) && took < Duration::from_secs(45),
        "ended after {took:?}"
    );
}

const FIRMWARE: &str = env!("CARGO_BIN_EXE_firmware_tap");
const FIRMWARE_TLS: &str = env!("CARGO_BIN_EXE_firmware_tls_tap");

/// The FTPS device program against vsftpd requiring session reuse and
/// close_notify, TLS 1.3 and 1.2, and pyftpdlib's TLS handler: listing,
/// the 4 MiB image and the log byte for byte, no 522.
#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs root, /dev/net/tun, vsftpd and python3 (the README's test command runs it)"
)]
fn firmware_tls_client_over_tap() {
    tls_client_over_tap(FIRMWARE_TLS);
}

/// The FTPS device program against vsftpd (TLS 1.3 and 1.2) and
/// pyftpdlib.
fn tls_client_over_tap(bin: &str) {
    let certs = ftp_tests::Certs::generate_for(&["192.0.2.1"]);
    for tls12 in [false, true] {
        let tls = Ftps {
            certs: &certs,
            tls12,
        };
        client_over_tap_with(bin, Server::Vsftpd, false, Some(&tls));
    }
    let tls = Ftps {
        certs: &certs,
        tls12: false,
    };
    client_over_tap_with(bin, Server::Pyftpdlib, false, Some(&tls));
}

/// The same on embassy (`ftp_tls::asynch` over ftp-embassy).
#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs root, /dev/net/tun, vsftpd and python3 (the README's test command runs it)"
)]
fn embassy_tls_client_over_tap() {
    tls_client_over_tap(EMBASSY_TLS);
    // Active mode: the server's data connections, in TLS, resuming too.
    let certs = ftp_tests::Certs::generate_for(&["192.0.2.1"]);
    let tls = Ftps {
        certs: &certs,
        tls12: false,
    };
    client_over_tap_with(EMBASSY_TLS, Server::Vsftpd, true, Some(&tls));
    client_over_tap_with(EMBASSY_TLS, Server::Pyftpdlib, true, Some(&tls));
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs root, /dev/net/tun, vsftpd and python3 (the README's test command runs it)"
)]
fn embassy_tls_client_refuses_a_certificate_from_another_ca() {
    tls_certificate_from_another_ca_is_refused(EMBASSY_TLS, Server::Vsftpd);
    tls_certificate_from_another_ca_is_refused(EMBASSY_TLS, Server::Pyftpdlib);
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs root, /dev/net/tun, vsftpd and python3 (the README's test command runs it)"
)]
fn firmware_tls_client_refuses_a_certificate_from_another_ca() {
    tls_certificate_from_another_ca_is_refused(FIRMWARE_TLS, Server::Vsftpd);
    tls_certificate_from_another_ca_is_refused(FIRMWARE_TLS, Server::Pyftpdlib);
}
const EMBASSY: &str = env!("CARGO_BIN_EXE_embassy_tap");
const EMBASSY_TLS: &str = env!("CARGO_BIN_EXE_embassy_tls_tap");

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs root, /dev/net/tun and python3 (the README's test command runs it)"
)]
fn firmware_client_over_tap() {
    client_over_tap(FIRMWARE, Server::Pyftpdlib);
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs root, /dev/net/tun and python3 (the README's test command runs it)"
)]
fn embassy_client_over_tap() {
    client_over_tap(EMBASSY, Server::Pyftpdlib);
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs root, /dev/net/tun and vsftpd (the README's test command runs it)"
)]
fn firmware_client_over_tap_against_vsftpd() {
    client_over_tap(FIRMWARE, Server::Vsftpd);
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs root, /dev/net/tun and vsftpd (the README's test command runs it)"
)]
fn embassy_client_over_tap_against_vsftpd() {
    client_over_tap(EMBASSY, Server::Vsftpd);
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs root, /dev/net/tun, python3 and vsftpd (the README's test command runs it)"
)]
fn embassy_client_in_active_mode() {
    // The server connects to the device: listen, PORT, accept.
    client_over_tap_in(EMBASSY, Server::Pyftpdlib, true);
    client_over_tap_in(EMBASSY, Server::Vsftpd, true);
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs root, /dev/net/tun and python3 (the README's test command runs it)"
)]
fn firmware_client_refused_connection_is_a_clear_error() {
    refused_connection_is_a_clear_error(FIRMWARE);
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs root, /dev/net/tun and python3 (the README's test command runs it)"
)]
fn embassy_client_refused_connection_is_a_clear_error() {
    refused_connection_is_a_clear_error(EMBASSY);
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs root, /dev/net/tun and python3 (the README's test command runs it)"
)]
fn firmware_client_times_out_on_a_silent_server() {
    times_out_on_a_silent_server(FIRMWARE);
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs root, /dev/net/tun and python3 (the README's test command runs it)"
)]
fn embassy_client_times_out_on_a_silent_server() {
    times_out_on_a_silent_server(EMBASSY);
}

/// A download cut after 1 MiB (the data connection closed with a 426, or
/// both connections dropped), then served normally: the program resumes
/// with REST from what its slot holds (the server's log shows the offset)
/// and the image arrives byte for byte; when the file changed between the
/// attempts (same size, other bytes), its SHA-256 (XSHA256) tells, the
/// program fails and publishes nothing.
fn resumes_a_cut_download(bin: &str, cut: &str, change: bool) {
    let mut ns = Namespace::create();
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("pub")).unwrap();
    let image = random_bytes(4 << 20, 67);
    std::fs::write(root.path().join("pub/firmware.bin"), &image).unwrap();
    let work = tempfile::tempdir().unwrap();
    let server_log = work.path().join("server.log");
    let mut args = vec![
        root.path().display().to_string(),
        server_log.display().to_string(),
        "--host".into(),
        "192.0.2.1".into(),
        "--cut".into(),
        cut.into(),
    ];
    if change {
        args.push("--change".into());
    }
    let port = ns.start_server("cutftpd.py", &args);
    let out = work.path().join("firmware.bin");
    let log = work.path().join("device.log");
    std::fs::write(&log, b"log line\n").unwrap();
    let mut client = ns
        .command(bin)
        .args([
            "tap0",
            &format!("192.0.2.1:{port}"),
            USER,
            PASSWORD,
            "pub",
            "firmware.bin",
        ])
        .arg(&out)
        .arg(&log)
        .arg("device.log")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the example runs");
    let status = wait_bounded(&mut client, Duration::from_secs(90));
    let output = client.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let served = std::fs::read_to_string(&server_log).unwrap_or_default();
    let rest: Vec<u64> = served
        .lines()
        .filter_map(|l| l.strip_prefix("REST ")?.parse().ok())
        .collect();
    assert!(
        rest.iter().any(|&r| r >= 1 << 20),
        "resumed from at least 1 MiB: {served}\n{text}\n{stderr}"
    );
    assert!(text.contains("attempt 1 failed at "), "{text}");
    if change {
        assert!(!status.success(), "{text}");
        assert!(stderr.contains("SHA-256"), "{stderr}");
        assert!(!out.exists(), "no image published");
    } else {
        assert!(status.success(), "{text}\n{stderr}");
        assert!(text.contains("SHA-256 checked"), "{text}");
        assert!(std::fs::read(&out).unwrap() == image, "byte for byte");
    }
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs root and /dev/net/tun (the README's test command runs it)"
)]
fn firmware_client_resumes_a_cut_download() {
    resumes_a_cut_download(env!("CARGO_BIN_EXE_firmware_tap"), "data", false);
    resumes_a_cut_download(env!("CARGO_BIN_EXE_firmware_tap"), "control", false);
    resumes_a_cut_download(env!("CARGO_BIN_EXE_firmware_tap"), "data", true);
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs root and /dev/net/tun (the README's test command runs it)"
)]
fn embassy_client_resumes_a_cut_download() {
    resumes_a_cut_download(env!("CARGO_BIN_EXE_embassy_tap"), "data", false);
    resumes_a_cut_download(env!("CARGO_BIN_EXE_embassy_tap"), "control", false);
    resumes_a_cut_download(env!("CARGO_BIN_EXE_embassy_tap"), "data", true);
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs root, /dev/net/tun and qemu-system-arm (the README's test command runs it)"
)]
fn qemu_smoltcp_firmware_resumes_a_cut_download() {
    resumes_a_cut_download(QEMU_SMOLTCP, "data", false);
    resumes_a_cut_download(QEMU_SMOLTCP, "control", false);
    resumes_a_cut_download(QEMU_SMOLTCP, "data", true);
}

// ----- the device programs as firmware, in QEMU (mps2-an386) ------------

/// The blocking program (ftp-core over smoltcp over the LAN9118) as a
/// firmware image in QEMU.
const QEMU_SMOLTCP: &str = "qemu:smoltcp";

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs root, /dev/net/tun, qemu-system-arm and pyftpdlib (the README's test command runs it)"
)]
fn qemu_smoltcp_firmware_over_tap() {
    client_over_tap(QEMU_SMOLTCP, Server::Pyftpdlib);
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs root, /dev/net/tun, qemu-system-arm and vsftpd (the README's test command runs it)"
)]
fn qemu_smoltcp_firmware_over_tap_against_vsftpd() {
    client_over_tap(QEMU_SMOLTCP, Server::Vsftpd);
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs root, /dev/net/tun and qemu-system-arm (the README's test command runs it)"
)]
fn qemu_smoltcp_firmware_refused_connection_is_a_clear_error() {
    refused_connection_is_a_clear_error(QEMU_SMOLTCP);
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs root, /dev/net/tun and qemu-system-arm (the README's test command runs it)"
)]
fn qemu_smoltcp_firmware_times_out_on_a_silent_server() {
    times_out_on_a_silent_server(QEMU_SMOLTCP);
}

/// The async program (ftp-core's async twin on embassy-net, embassy's
/// executor, SysTick as its time driver) as a firmware image in QEMU.
const QEMU_EMBASSY: &str = "qemu:embassy";

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs root, /dev/net/tun, qemu-system-arm and pyftpdlib (the README's test command runs it)"
)]
fn qemu_embassy_firmware_over_tap() {
    client_over_tap(QEMU_EMBASSY, Server::Pyftpdlib);
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs root, /dev/net/tun, qemu-system-arm and vsftpd (the README's test command runs it)"
)]
fn qemu_embassy_firmware_over_tap_against_vsftpd() {
    client_over_tap(QEMU_EMBASSY, Server::Vsftpd);
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs root, /dev/net/tun and qemu-system-arm (the README's test command runs it)"
)]
fn qemu_embassy_firmware_refused_connection_is_a_clear_error() {
    refused_connection_is_a_clear_error(QEMU_EMBASSY);
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs root, /dev/net/tun and qemu-system-arm (the README's test command runs it)"
)]
fn qemu_embassy_firmware_times_out_on_a_silent_server() {
    times_out_on_a_silent_server(QEMU_EMBASSY);
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs root, /dev/net/tun and qemu-system-arm (the README's test command runs it)"
)]
fn qemu_embassy_firmware_resumes_a_cut_download() {
    resumes_a_cut_download(QEMU_EMBASSY, "data", false);
    resumes_a_cut_download(QEMU_EMBASSY, "control", false);
    resumes_a_cut_download(QEMU_EMBASSY, "data", true);
}

/// The FTPS programs as firmware images in QEMU: ftp-tls (rustls no_std)
/// over smoltcp and over embassy-net.
const QEMU_SMOLTCP_TLS: &str = "qemu:smoltcp-tls";
const QEMU_EMBASSY_TLS: &str = "qemu:embassy-tls";

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs root, /dev/net/tun, qemu-system-arm, vsftpd and pyftpdlib (the README's test command runs it)"
)]
fn qemu_smoltcp_tls_firmware_over_tap() {
    tls_client_over_tap(QEMU_SMOLTCP_TLS);
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs root, /dev/net/tun, qemu-system-arm and vsftpd (the README's test command runs it)"
)]
fn qemu_smoltcp_tls_firmware_refuses_a_certificate_from_another_ca() {
    tls_certificate_from_another_ca_is_refused(QEMU_SMOLTCP_TLS, Server::Vsftpd);
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs root, /dev/net/tun, qemu-system-arm, vsftpd and pyftpdlib (the README's test command runs it)"
)]
fn qemu_embassy_tls_firmware_over_tap() {
    tls_client_over_tap(QEMU_EMBASSY_TLS);
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs root, /dev/net/tun, qemu-system-arm and vsftpd (the README's test command runs it)"
)]
fn qemu_embassy_tls_firmware_refuses_a_certificate_from_another_ca() {
    tls_certificate_from_another_ca_is_refused(QEMU_EMBASSY_TLS, Server::Vsftpd);
}

/// A firmware image whose stack overflows (a recursion that never ends):
/// flip-link puts the stack below .data and .bss, so it runs off the start
/// of RAM and faults, and the run ends with an error, not a hang and not
/// corrupted memory.
#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs root, /dev/net/tun and qemu-system-arm (the README's test command runs it)"
)]
fn qemu_stack_overflow_ends_the_run_with_an_error() {
    let ns = Namespace::create();
    let started = Instant::now();
    let mut run = ns
        .command("qemu:overflow")
        .args(["tap0", "192.0.2.1:21", "u", "p", "d", "f", "o", "l", "r"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the launcher runs");
    let status = wait_bounded(&mut run, Duration::from_secs(60));
    let output = run.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!status.success());
    assert!(
        stderr.contains("error: the firmware locked up") && stderr.contains("stack overflow"),
        "{stderr}"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}
