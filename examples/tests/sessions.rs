//! The `session` and `session_tls` examples run as users run them, against
//! real servers on loopback: what they print, the README they fetch, the
//! certificates they refuse, the ~/.netrc they read. Their tokio twins
//! (`session_async`, `session_tls_async`) pass the same checks and print
//! the same lines.

use std::path::Path;
use std::process::{Command, Output};

use ftp_tests::{PASSWORD, PyFtpd, Tls, VSFTPD_USER, Vsftpd, random_bytes};

fn run(bin: &str, args: &[&str], cwd: &Path, netrc: Option<&Path>) -> Output {
    let mut cmd = Command::new(bin);
    cmd.args(args).current_dir(cwd);
    match netrc {
        Some(p) => cmd.env("NETRC", p),
        // Not the tester's own ~/.netrc.
        None => cmd.env("NETRC", cwd.join("no-netrc")),
    };
    cmd.output().expect("the example runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib and vsftpd (the README's test command runs it)"
)]
fn session_fetches_readme_like_ftplib() {
    let server = PyFtpd::start("127.0.0.1");
    std::fs::create_dir(server.path("debian")).unwrap();
    std::fs::create_dir(server.path("debian/pool")).unwrap();
    let readme = random_bytes(1063, 1);
    std::fs::write(server.path("debian/README"), &readme).unwrap();
    let url = format!("ftp://127.0.0.1:{}/", server.port);
    let mut printed = Vec::new();
    for bin in SESSION {
        let cwd = tempfile::tempdir().unwrap();
        let out = run(bin, &[&url], cwd.path(), None);
        assert!(out.status.success(), "{bin}: {}", stderr(&out));
        let text = stdout(&out);
        for want in [
            ">>> ftp.login()\n'230 ",
            ">>> ftp.cwd('debian')\n'250 ",
            ">>> ftp.retrlines('LIST')\n",
            " README\n",
            " pool\n",
            ">>> ftp.retrbinary('RETR README', open('README', 'wb').write)\n'226 ",
            ">>> ftp.quit()\n'221 ",
        ] {
            assert!(text.contains(want), "{bin}: {want:?} not in:\n{text}");
        }
        assert_eq!(std::fs::read(cwd.path().join("README")).unwrap(), readme);
        assert!(!cwd.path().join("README.part").exists());
        printed.push(text);
    }
    assert_eq!(
        printed[0], printed[1],
        "session and session_async print the same"
    );
}

/// The blocking example and its tokio twin.
const SESSION: [&str; 2] = [
    env!("CARGO_BIN_EXE_session"),
    env!("CARGO_BIN_EXE_session_async"),
];
const SESSION_TLS: [&str; 2] = [
    env!("CARGO_BIN_EXE_session_tls"),
    env!("CARGO_BIN_EXE_session_tls_async"),
];

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib and vsftpd (the README's test command runs it)"
)]
fn session_reads_netrc_and_reports_errors() {
    for bin in SESSION {
        let server = Vsftpd::start();
        std::fs::create_dir(server.path("debian")).unwrap();
        server.put("debian/README", b"hello\n");
        let cwd = tempfile::tempdir().unwrap();
        let netrc = cwd.path().join("netrc");
        let url = format!("ftp://127.0.0.1:{}/", server.port);
        // The wrong password from netrc is used, and refused.
        std::fs::write(
            &netrc,
            format!("machine 127.0.0.1 login {VSFTPD_USER} password wrong\n"),
        )
        .unwrap();
        let out = run(bin, &[&url], cwd.path(), Some(&netrc));
        assert_eq!(out.status.code(), Some(1));
        assert!(
            stderr(&out).contains("530 Login incorrect."),
            "{}",
            stderr(&out)
        );
        // The right one logs in as the user.
        std::fs::write(
            &netrc,
            format!("machine 127.0.0.1 login {VSFTPD_USER} password \"{PASSWORD}\"\n"),
        )
        .unwrap();
        let out = run(bin, &[&url], cwd.path(), Some(&netrc));
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(
            std::fs::read(cwd.path().join("README")).unwrap(),
            b"hello\n"
        );
        // A missing directory: the server's error, exit status 1.
        let url = format!("ftp://127.0.0.1:{}/nowhere", server.port);
        let out = run(bin, &[&url], cwd.path(), None);
        assert_eq!(out.status.code(), Some(1));
        assert!(stderr(&out).contains("550"), "{}", stderr(&out));
        // A bad URL and no URL.
        let out = run(bin, &["http://x/"], cwd.path(), None);
        assert!(stderr(&out).contains("invalid FTP URL"), "{}", stderr(&out));
        let out = run(bin, &[], cwd.path(), None);
        assert_eq!(out.status.code(), Some(2));
    }
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib and vsftpd (the README's test command runs it)"
)]
fn session_tls_explicit_and_implicit() {
    for bin in SESSION_TLS {
        for (tls, scheme) in [(Tls::Explicit, "ftp"), (Tls::Implicit, "ftps")] {
            let server = Vsftpd::start_with(tls, "127.0.0.1");
            server.put("welcome.msg", b"hi\n");
            let cwd = tempfile::tempdir().unwrap();
            let url = format!("{scheme}://127.0.0.1:{}/", server.port);
            let ca = server.ca.as_ref().unwrap().to_str().unwrap();
            let out = run(bin, &[&url, "--cacert", ca], cwd.path(), None);
            assert!(out.status.success(), "{scheme}: {}", stderr(&out));
            let text = stdout(&out);
            for want in [
                ">>> ftps.login()\n'230 ",
                ">>> ftps.prot_p()\n'200 ",
                " welcome.msg\n",
                ">>> ftps.quit()\n'221 ",
            ] {
                assert!(text.contains(want), "{want:?} not in:\n{text}");
            }
            // The system roots do not know the test CA: refused.
            let out = run(bin, &[&url], cwd.path(), None);
            assert_eq!(out.status.code(), Some(1), "{scheme}");
            assert!(stderr(&out).contains("certificate"), "{}", stderr(&out));
            // Unless asked to be insecure.
            let out = run(bin, &[&url, "--insecure"], cwd.path(), None);
            assert!(out.status.success(), "{scheme}: {}", stderr(&out));
        }
    }
}
