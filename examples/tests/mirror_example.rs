//! The `mirror` example, blocking and `--tokio`, against pyftpdlib: the
//! same tree, byte for byte, and the same summary line.

use std::process::Command;

use ftp_tests::{PyFtpd, make_tree, read_tree};

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib (the README's test command runs it)"
)]
fn mirror_example_blocking_and_tokio() {
    let server = PyFtpd::start("127.0.0.1");
    make_tree(&server.path("pub"), 120, 20_000, 41);
    let source = read_tree(&server.path("pub"));
    let url = format!("ftp://127.0.0.1:{}/pub", server.port);
    let mut lines = Vec::new();
    for mode in [&[][..], &["--tokio"][..]] {
        let work = tempfile::tempdir().unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_mirror"))
            .args([url.as_str(), "copy", "--parallel", "8"])
            .args(mode)
            .current_dir(work.path())
            .env("NETRC", work.path().join("no-netrc"))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{mode:?}: {text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(read_tree(&work.path().join("copy")) == source, "{mode:?}");
        assert!(
            text.contains(" 0 failed, 8 connections"),
            "{mode:?}: {text}"
        );
        // Without the timing.
        lines.push(text.rsplit_once(", ").map(|(a, _)| a.to_string()).unwrap());
    }
    assert_eq!(lines[0], lines[1]);
    // A bad URL: the usage error of the runner's kind.
    let out = Command::new(env!("CARGO_BIN_EXE_mirror"))
        .args(["ftp://", "x"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
}
