//! `ftp-script` run as users run it, against real vsftpd and pyftpdlib on
//! loopback: every script function, the example scripts, the error map,
//! the exit status, the sandbox, the operation limit.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use ftp_tests::{PASSWORD, PyFtpd, Tls, USER, VSFTPD_USER, Vsftpd};

fn project() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn script(name: &str) -> String {
    project()
        .join("examples/scripts")
        .join(name)
        .display()
        .to_string()
}

/// Runs ftp-script in `cwd` with `args`, with no credentials from the
/// tester's environment; `env` adds variables.
fn run(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ftp-script"));
    cmd.args(args)
        .current_dir(cwd)
        .env_remove("FTP_USER")
        .env_remove("FTP_PASSWORD")
        .env("NETRC", cwd.join("no-such-netrc"));
    // The runner reads the proxy variables curl reads: none but a test's.
    for var in [
        "ALL_PROXY",
        "all_proxy",
        "ftp_proxy",
        "FTP_PROXY",
        "NO_PROXY",
        "no_proxy",
    ] {
        cmd.env_remove(var);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("ftp-script runs")
}

fn out(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn err(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[track_caller]
fn assert_ok(o: &Output) {
    assert!(
        o.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        out(o),
        err(o)
    );
}

/// Every function, checked inside the script: the script throws at the
/// first check that fails. ARGS: port, user, password, "mlsd"|"nomlsd".
const EVERY_FUNCTION: &str = r#"
fn check(ok, what) { if !ok { throw `check failed: ${what}`; } }

let w = connect("127.0.0.1", ARGS[0].parse_int());
check(w.starts_with("220"), "welcome " + w);
check(welcome() == w, "welcome()");
check(login(ARGS[1], ARGS[2]).starts_with("230"), "login");
check(pwd() == "/", "pwd " + pwd());
check(mkd("d1").ends_with("d1"), "mkd");
check(cwd("d1").starts_with("250"), "cwd");
check(pwd() == "/d1", "pwd in d1");
cdup();
check(pwd() == "/", "cdup");
check(stor_text("t.txt", "hello\nworld\n").starts_with("226"), "stor_text");
check(size("t.txt") == 12, "size");
let m = mdtm("t.txt");
check(m.len() == 14 && m.sub_string(0, 2) == "20", "mdtm " + m);
check(exists("t.txt") && exists("d1") && !exists("nope"), "exists");
check(rename("t.txt", "d1/t.txt").starts_with("250"), "rename");
check(nlst().contains("d1"), "nlst");
check(nlst("d1").len() == 1, "nlst(path)");
check(dir().len() == 1, "dir");
check(dir("d1")[0].ends_with("t.txt"), "dir(path)");
if ARGS[3] == "mlsd" {
    let entries = mlsd("d1");
    check(entries.len() == 1, "mlsd(path)");
    let e = entries[0];
    check(e.name == "t.txt" && e.size == 12 && e.type == "file", `mlsd entry ${e}`);
    check(e.modify.len() >= 14, "modify");
    check(mlsd().len() == 1, "mlsd() without cdir/pdir");
} else {
    // 500 from most servers, 502 from ftp-srv.
    try { mlsd(); check(false, "mlsd on a server without it"); }
    catch (e) { check(e.kind == "perm" && (e.code == 500 || e.code == 502), `mlsd error ${e}`); }
}
check(retr_text("d1/t.txt") == "hello\nworld\n", "retr_text");
check(retr("d1/t.txt").starts_with("226"), "retr");
check(retr("d1/t.txt", "copy.txt").starts_with("226"), "retr to a name");
check(stor("copy.txt", "up.txt").starts_with("226"), "stor to a name");
check(stor("copy.txt").starts_with("226"), "stor");
check(exists("copy.txt"), "stored under its own name");
check(appe("copy.txt", "up.txt").starts_with("226"), "appe");
check(size("up.txt") == 24, "appended");
check(ascii().starts_with("200"), "ascii");
stor("crlf.txt", "a.txt");
retr("a.txt", "a_back.txt");
check(binary().starts_with("200"), "binary");
check(retr_text("a.txt").len() >= 6, "ascii upload");
check(sendcmd("NOOP").starts_with("200"), "sendcmd");
check(voidcmd("NOOP").starts_with("200"), "voidcmd");
check(feat().len() > 0, "feat");
passive(false);
check(nlst().len() >= 4, "active mode listing");
check(retr_text("up.txt").len() == 24, "active mode transfer");
passive(true);
set_debuglevel(0);
check(lcd("sub").ends_with("/sub"), "lcd");
check(lpwd().ends_with("/sub"), "lpwd");
check(retr("d1/t.txt", "r.txt", #{ resume: true }).starts_with("226"), "retr resume");
lcd("..");
check(stor("sub/r.txt", "r.txt", #{ resume: true }).starts_with("226"), "stor resume");
check(stor("sub/r.txt", #{ resume: true }) != "", "stor(local, opts)");
try { cwd("nope"); check(false, "cwd nope"); }
catch (e) { check(e.kind == "perm" && e.code == 550 && e.message.starts_with("550"), `550 map ${e}`); }
try { cwd("a\r\nDELE up.txt"); check(false, "CRLF"); }
catch (e) { check(e.kind == "usage" && e.code == (), `usage map ${e}`); }
check(exists("up.txt"), "nothing was smuggled");
try { size("nope"); check(false, "size nope"); }
catch (e) { check(e.kind == "perm" && e.code == 550, `size map ${e}`); }
for f in ["d1/t.txt", "up.txt", "copy.txt", "a.txt", "r.txt"] { delete(f); }
check(rmd("d1").starts_with("250"), "rmd");
check(quit().starts_with("221"), "quit");
try { pwd(); check(false, "pwd after quit"); }
catch (e) { check(e.kind == "usage", "no session after quit"); }
connect("127.0.0.1", ARGS[0].parse_int());
login();
close();
print("all good");
"#;

fn every_function(port: u16, mlsd: &str, extra: &[&str]) {
    // The user of the server at hand: pyftpdlib's has MLSD, vsftpd's not.
    let user = if mlsd == "mlsd" { USER } else { VSFTPD_USER };
    every_function_as(port, mlsd, user, extra);
}

fn every_function_as(port: u16, mlsd: &str, user: &str, extra: &[&str]) {
    let cwd = tempfile::tempdir().unwrap();
    std::fs::create_dir(cwd.path().join("sub")).unwrap();
    std::fs::write(cwd.path().join("crlf.txt"), "one\ntwo\n").unwrap();
    let port = port.to_string();
    let mut args = extra.to_vec();
    args.extend(["-e", EVERY_FUNCTION, &port, user, PASSWORD, mlsd]);
    let o = run(cwd.path(), &args, &[]);
    assert_ok(&o);
    assert!(out(&o).ends_with("all good\n"), "{}", out(&o));
    let local = |n: &str| std::fs::read(cwd.path().join(n)).unwrap();
    assert_eq!(local("t.txt"), b"hello\nworld\n");
    assert_eq!(local("copy.txt"), b"hello\nworld\n");
    assert_eq!(local("sub/r.txt"), b"hello\nworld\n");
    assert_eq!(local("a_back.txt"), b"one\ntwo\n");
    assert!(!cwd.path().join("t.txt.part").exists());
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib (the README's test command runs it)"
)]
fn every_function_against_pyftpdlib() {
    let server = PyFtpd::start("127.0.0.1");
    every_function(server.port, "mlsd", &[]);
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs vsftpd and root (the README's test command runs it)"
)]
fn every_function_against_vsftpd() {
    let server = Vsftpd::start();
    every_function(server.port, "nomlsd", &[]);
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs vsftpd and root (the README's test command runs it)"
)]
fn every_function_against_vsftpd_over_tls() {
    let server = Vsftpd::start_with(Tls::Explicit, "127.0.0.1");
    let ca = server.ca.as_ref().unwrap().display().to_string();
    every_function(server.port, "nomlsd", &["--tls", "--cacert", &ca]);
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs ftp-srv (Node) (the README's test command runs it)"
)]
fn every_function_against_ftp_srv() {
    let server = ftp_tests::FtpSrv::start(false, None);
    every_function_as(server.port, "nomlsd", USER, &[]);
}

/// The reference's sample session (examples/scripts/debian.rhai), logged
/// in anonymously through --url, against inetutils-ftpd (anonymous is
/// chrooted to the system `ftp` user's home: the tree goes in a directory
/// of this test's there, which the URL's path names) and ftp-srv.
#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs inetutils-ftpd, ftp-srv and root (the README's test command runs it)"
)]
fn the_main_example_script_against_inetutils_and_ftp_srv() {
    let readme = b"Debian README, for the sample session\n";
    // inetutils: ~ftp/<this test's directory>/debian/README.
    let inet = ftp_tests::InetFtpd::start("127.0.0.1");
    let home = ftp_tests::anonymous_home();
    let tree = tempfile::tempdir_in(&home).unwrap();
    std::fs::create_dir_all(tree.path().join("debian/pool")).unwrap();
    std::fs::write(tree.path().join("debian/README"), readme).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(tree.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let name = tree
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let inet_url = format!("ftp://127.0.0.1:{}/{name}/", inet.port);
    // ftp-srv: its root/debian/README.
    let srv = ftp_tests::FtpSrv::start(false, None);
    std::fs::create_dir_all(srv.root.path().join("debian/pool")).unwrap();
    std::fs::write(srv.root.path().join("debian/README"), readme).unwrap();
    let srv_url = format!("ftp://127.0.0.1:{}/", srv.port);
    for url in [inet_url, srv_url] {
        let cwd = tempfile::tempdir().unwrap();
        let o = run(cwd.path(), &["--url", &url, &script("debian.rhai")], &[]);
        assert_ok(&o);
        let text = out(&o);
        assert!(text.starts_with("230"), "{url}: {text}");
        assert!(
            text.contains("\n250") && text.contains(" pool\n") && text.contains(" README\n"),
            "{url}: {text}"
        );
        assert!(
            text.contains("\n226") && text.contains("\n221"),
            "{url}: {text}"
        );
        assert_eq!(std::fs::read(cwd.path().join("README")).unwrap(), readme);
    }
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib (the README's test command runs it)"
)]
fn the_main_example_script() {
    let server = PyFtpd::start("127.0.0.1");
    std::fs::create_dir(server.path("debian")).unwrap();
    std::fs::create_dir(server.path("debian/pool")).unwrap();
    std::fs::write(server.path("debian/README"), "Debian README\n").unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let url = format!("ftp://127.0.0.1:{}/", server.port);
    let o = run(cwd.path(), &["--url", &url, &script("debian.rhai")], &[]);
    assert_ok(&o);
    let text = out(&o);
    assert!(text.starts_with("230 "), "{text}");
    assert!(text.contains("250 ") && text.contains(" pool\n") && text.contains(" README\n"));
    assert!(
        text.contains("226 ") && text.ends_with("221 Goodbye.\n"),
        "{text}"
    );
    assert_eq!(
        std::fs::read(cwd.path().join("README")).unwrap(),
        b"Debian README\n"
    );
    // The same script without --url fails clearly: no session.
    let o = run(cwd.path(), &[&script("debian.rhai")], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        err(&o),
        "error: no FTP session: call connect(host) first (line 6)\n"
    );
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs vsftpd and root (the README's test command runs it)"
)]
fn upload_logs_example_with_credentials_from_the_environment() {
    let server = Vsftpd::start();
    let cwd = tempfile::tempdir().unwrap();
    std::fs::write(cwd.path().join("app.log"), "app line\n").unwrap();
    std::fs::write(cwd.path().join("db.log"), "db line\n").unwrap();
    let url = format!("ftp://127.0.0.1:{}/", server.port);
    let env = [("FTP_USER", VSFTPD_USER), ("FTP_PASSWORD", PASSWORD)];
    let args = [
        "--url",
        &url,
        &script("upload_logs.rhai"),
        "app.log",
        "db.log",
    ];
    let o = run(cwd.path(), &args, &env);
    assert_ok(&o);
    let day: String = std::fs::read_dir(server.path("logs"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .file_name()
        .to_string_lossy()
        .into_owned();
    assert_eq!(day.len(), 8);
    let dir = server.path("logs").join(&day);
    assert_eq!(std::fs::read(dir.join("app.log")).unwrap(), b"app line\n");
    assert_eq!(std::fs::read(dir.join("db.log")).unwrap(), b"db line\n");
    assert!(out(&o).contains("uploaded db.log (8 bytes)"), "{}", out(&o));
    // Again the same day: the directory exists, the files are replaced.
    let o = run(cwd.path(), &args, &env);
    assert_ok(&o);
    // A file that is not there: reported, the others go up, exit 1.
    let args = [
        "--url",
        &url,
        &script("upload_logs.rhai"),
        "missing.log",
        "app.log",
    ];
    let o = run(cwd.path(), &args, &env);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
    assert!(out(&o).contains("giving up on missing.log"), "{}", out(&o));
    assert!(
        err(&o).contains("not uploaded: [\"missing.log\"]"),
        "{}",
        err(&o)
    );
    // Anonymous users may not write: a permanent error, given up at once.
    let o = run(
        cwd.path(),
        &["--url", &url, &script("upload_logs.rhai"), "app.log"],
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        out(&o).contains("giving up on app.log: 550 "),
        "{}",
        out(&o)
    );
    assert!(!out(&o).contains("retrying"), "{}", out(&o));
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib (the README's test command runs it)"
)]
fn newest_example_picks_by_mlsd_modify() {
    let server = PyFtpd::start("127.0.0.1");
    std::fs::create_dir(server.path("nightly")).unwrap();
    for (name, mtime) in [
        ("old.bin", 1_600_000_000),
        ("new.bin", 1_700_000_000),
        ("mid.bin", 1_650_000_000),
    ] {
        let p = server.path(&format!("nightly/{name}"));
        std::fs::write(&p, name).unwrap();
        let t = std::time::UNIX_EPOCH + std::time::Duration::from_secs(mtime);
        std::fs::File::options()
            .write(true)
            .open(&p)
            .unwrap()
            .set_modified(t)
            .unwrap();
    }
    let cwd = tempfile::tempdir().unwrap();
    let url = format!("ftp://127.0.0.1:{}/", server.port);
    let o = run(
        cwd.path(),
        &["--url", &url, &script("newest.rhai"), "nightly"],
        &[],
    );
    assert_ok(&o);
    assert!(
        out(&o).starts_with("newest: nightly/new.bin (7 bytes, modified 2023"),
        "{}",
        out(&o)
    );
    assert_eq!(
        std::fs::read(cwd.path().join("new.bin")).unwrap(),
        b"new.bin"
    );
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs vsftpd and root (the README's test command runs it)"
)]
fn ftps_example_against_vsftpd_explicit_and_implicit_url() {
    let server = Vsftpd::start_with(Tls::Explicit, "127.0.0.1");
    let ca = server.ca.as_ref().unwrap().display().to_string();
    let cwd = tempfile::tempdir().unwrap();
    let port = server.port.to_string();
    let env = [("FTP_USER", VSFTPD_USER), ("FTP_PASSWORD", PASSWORD)];
    let args = [
        "--cacert",
        &ca,
        &script("ftps_session.rhai"),
        "127.0.0.1",
        &port,
    ];
    let o = run(cwd.path(), &args, &env);
    assert_ok(&o);
    assert!(
        out(&o).contains("200 PROT now Private.") || out(&o).contains("230 "),
        "{}",
        out(&o)
    );
    assert!(out(&o).ends_with("221 Goodbye.\n"), "{}", out(&o));
    // Without the CA: a TLS error, exit 1.
    let o = run(
        cwd.path(),
        &[&script("ftps_session.rhai"), "127.0.0.1", &port],
        &env,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("certificate"), "{}", err(&o));

    // Implicit FTPS through an ftps:// URL: data protected too.
    let server = Vsftpd::start_with(Tls::Implicit, "127.0.0.1");
    server.put("f.txt", b"implicit\n");
    let ca = server.ca.as_ref().unwrap().display().to_string();
    let url = format!("ftps://{VSFTPD_USER}@127.0.0.1:{}/", server.port);
    let o = run(
        cwd.path(),
        &[
            "--url",
            &url,
            "--cacert",
            &ca,
            "-e",
            "print(retr_text(\"f.txt\"))",
        ],
        &[("FTP_PASSWORD", PASSWORD)],
    );
    assert_ok(&o);
    assert_eq!(out(&o), "implicit\n\n");
}

/// A peer that answers by command, to provoke the replies real servers
/// will not give on demand: 421 (temp), a 1xx where 2xx belongs (reply),
/// a malformed line (proto).
fn odd_server() -> u16 {
    ftp_tests::Scripted::by_command(
        "220 odd server\r\n",
        &[
            ("USER", "230 in\r\n"),
            ("NOOP", "421 too busy\r\n"),
            ("SYST", "150 what\r\n"),
            ("PWD", "garbage\r\n"),
        ],
        "502 no\r\n",
    )
    .port
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs vsftpd and root (the README's test command runs it)"
)]
fn error_map_kinds() {
    let cwd = tempfile::tempdir().unwrap();
    let kinds = r#"
        let seen = [];
        connect("127.0.0.1", ARGS[0].parse_int());
        login();
        for cmd in ["NOOP", "SYST", "PWD"] {
            try { voidcmd(cmd); } catch (e) { seen.push(`${e.kind}:${e.code}`); }
        }
        try { pwd(); } catch (e) { seen.push(e.kind); }
        print(seen);
    "#;
    let port = odd_server().to_string();
    let o = run(cwd.path(), &["-e", kinds, &port], &[]);
    assert_ok(&o);
    assert_eq!(
        out(&o),
        "[\"temp:421\", \"reply:150\", \"proto:\", \"proto\"]\n"
    );

    // io: nothing listens.
    let closed = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port().to_string();
    drop(closed);
    let catch =
        r#"try { connect("127.0.0.1", ARGS[0].parse_int()); } catch (e) { print(e.kind); }"#;
    let o = run(cwd.path(), &["-e", catch, &port], &[]);
    assert_eq!(out(&o), "io\n");

    // timeout: a server that never says a word.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port().to_string();
    let o = run(cwd.path(), &["--timeout", "0.5", "-e", catch, &port], &[]);
    assert_eq!(out(&o), "timeout\n");
    drop(silent);

    // tls: a certificate the system does not know.
    let server = Vsftpd::start_with(Tls::Explicit, "127.0.0.1");
    let port = server.port.to_string();
    let tls = r#"connect_tls("127.0.0.1", ARGS[0].parse_int());
        try { login(); } catch (e) { print(e.kind); print(e.code); }"#;
    let o = run(cwd.path(), &["-e", tls, &port], &[]);
    assert_eq!(out(&o), "tls\n\n", "{}", err(&o));
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib (the README's test command runs it)"
)]
fn exit_status_and_the_error_line() {
    let server = PyFtpd::start("127.0.0.1");
    let cwd = tempfile::tempdir().unwrap();
    let port = server.port.to_string();
    let code = "connect(\"127.0.0.1\", ARGS[0].parse_int());\nlogin();\ncwd(\"nowhere\");";
    let o = run(cwd.path(), &["-e", code, &port], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(err(&o), "error: 550 No such file or directory. (line 3)\n");
    let o = run(cwd.path(), &["-e", "throw \"custom\";"], &[]);
    assert_eq!(
        (o.status.code(), err(&o).as_str()),
        (Some(1), "error: custom (line 1)\n")
    );
    let o = run(cwd.path(), &["-e", "let x = ;"], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).starts_with("error: ") && err(&o).contains("line 1"),
        "{}",
        err(&o)
    );
    // No script, standard input not a terminal (here empty): the script
    // is standard input, and an empty one does nothing.
    let o = run(cwd.path(), &[], &[]);
    assert_eq!(o.status.code(), Some(0), "{}", err(&o));
    // Usage errors: exit 2.
    let o = run(cwd.path(), &["--no-such-option"], &[]);
    assert_eq!(o.status.code(), Some(2));
    let o = run(cwd.path(), &["no-such-script.rhai"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("cannot read the script"), "{}", err(&o));
    let o = run(cwd.path(), &["--url", "http://x/", "-e", "1"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("invalid FTP URL"), "{}", err(&o));
    let o = run(cwd.path(), &["--bogus"], &[]);
    assert_eq!(o.status.code(), Some(2));
    // ARGS reach the script, hyphens and all.
    let o = run(cwd.path(), &["-e", "print(ARGS)", "a", "-b", "--c"], &[]);
    assert_eq!(out(&o), "[\"a\", \"-b\", \"--c\"]\n");
    // Scripts cannot import files.
    std::fs::write(cwd.path().join("m.rhai"), "export const X = 1;").unwrap();
    let o = run(cwd.path(), &["-e", "import \"m\" as m; print(m::X);"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", out(&o));
}

#[test]
fn runaway_scripts_end() {
    let cwd = tempfile::tempdir().unwrap();
    let o = run(
        cwd.path(),
        &[
            "--max-operations",
            "100000",
            "-e",
            "let x = 0; loop { x += 1; }",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("Too many operations"), "{}", err(&o));
    let o = run(cwd.path(), &["-e", "fn f(n) { f(n + 1) } f(0)"], &[]);
    assert_eq!(o.status.code(), Some(1));
    let o = run(cwd.path(), &["-e", "let s = \"x\"; loop { s += s; }"], &[]);
    assert_eq!(o.status.code(), Some(1));
    let o = run(cwd.path(), &["-e", "sleep(-1)"], &[]);
    assert!(
        err(&o).contains("seconds must be from 0 to 3600"),
        "{}",
        err(&o)
    );
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib (the README's test command runs it)"
)]
fn local_files_stay_in_the_sandbox() {
    let server = PyFtpd::start("127.0.0.1");
    std::fs::write(server.path("f"), "data").unwrap();
    let top = tempfile::tempdir().unwrap();
    let cwd = top.path().join("work");
    std::fs::create_dir(&cwd).unwrap();
    let port = server.port.to_string();
    let attempt = |code: &str, extra: &[&str]| {
        let script = format!(
            "connect(\"127.0.0.1\", ARGS[0].parse_int()); login(); \
             try {{ {code}; print(\"done\"); }} catch (e) {{ print(e.kind + \": \" + e.message); }}"
        );
        let mut args = extra.to_vec();
        args.extend(["-e", &script, &port]);
        out(&run(&cwd, &args, &[]))
    };
    for code in [
        "retr(\"../../f\")",
        "retr(\"f\", \"../f\")",
        "retr(\"f\", \"/tmp/f\")",
        "stor(\"/etc/passwd\")",
        "stor(\"../x\", \"x\")",
        "lcd(\"..\")",
        "appe(\"/etc/hostname\", \"x\")",
    ] {
        let said = attempt(code, &[]);
        assert!(said.starts_with("usage: "), "{code}: {said}");
    }
    assert!(!top.path().join("f").exists());
    // A link that leads out is out.
    std::os::unix::fs::symlink(top.path(), cwd.join("up")).unwrap();
    assert!(attempt("retr(\"f\", \"up/f\")", &[]).starts_with("usage: "));
    // --allow-path widens it.
    let top_dir = top.path().display().to_string();
    assert_eq!(
        attempt("retr(\"f\", \"../f\")", &["--allow-path", &top_dir]),
        "done\n"
    );
    assert_eq!(std::fs::read(top.path().join("f")).unwrap(), b"data");
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib (the README's test command runs it)"
)]
fn debug_output_masks_passwords_and_netrc_logs_in() {
    let server = PyFtpd::start("127.0.0.1");
    let cwd = tempfile::tempdir().unwrap();
    let url = format!("ftp://127.0.0.1:{}/", server.port);
    let netrc = cwd.path().join("netrc");
    std::fs::write(
        &netrc,
        format!("machine 127.0.0.1 login {USER} password \"{PASSWORD}\"\n"),
    )
    .unwrap();
    let netrc_env = netrc.display().to_string();
    // The user may write; anonymous may not: the upload proves the login.
    let o = run(
        cwd.path(),
        &[
            "-vv",
            "--netrc",
            "--url",
            &url,
            "-e",
            "stor_text(\"n.txt\", \"netrc\"); quit();",
        ],
        &[("NETRC", &netrc_env)],
    );
    assert_ok(&o);
    assert_eq!(std::fs::read(server.path("n.txt")).unwrap(), b"netrc");
    let e = err(&o);
    assert!(e.contains(&format!("*cmd* USER {USER}")), "{e}");
    assert!(
        e.contains("*cmd* PASS ****") && e.contains("*get* 230"),
        "{e}"
    );
    assert!(!e.contains(PASSWORD), "{e}");
    // Without -v: quiet. Without --netrc: anonymous, and the upload fails.
    let o = run(
        cwd.path(),
        &["--url", &url, "-e", "stor_text(\"m.txt\", \"x\")"],
        &[("NETRC", &netrc_env)],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).starts_with("error: 550 "), "{}", err(&o));
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs vsftpd and root (the README's test command runs it)"
)]
fn active_mode_and_url_path() {
    let server = Vsftpd::start();
    std::fs::create_dir(server.path("pub")).unwrap();
    server.put("pub/x.bin", &ftp_tests::random_bytes(100_000, 4));
    let cwd = tempfile::tempdir().unwrap();
    let url = format!("ftp://127.0.0.1:{}/pub", server.port);
    let o = run(
        cwd.path(),
        &[
            "--active",
            "--url",
            &url,
            "-e",
            "print(pwd()); retr(\"x.bin\");",
        ],
        &[],
    );
    assert_ok(&o);
    assert_eq!(out(&o), "/pub\n");
    assert_eq!(
        std::fs::read(cwd.path().join("x.bin")).unwrap(),
        ftp_tests::random_bytes(100_000, 4)
    );
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs vsftpd and root (the README's test command runs it)"
)]
fn tls_url_prot_c_nul_and_acct() {
    let server = Vsftpd::start_with(Tls::Explicit, "127.0.0.1");
    server.put("f.txt", b"secret data\n");
    let ca = server.ca.as_ref().unwrap().display().to_string();
    let cwd = tempfile::tempdir().unwrap();
    let url = format!("ftp://{VSFTPD_USER}@127.0.0.1:{}/", server.port);
    let code = r#"
        print(retr_text("f.txt"));
        prot_c();
        try { nlst(); } catch (e) { print(`${e.kind} ${e.code}`); }
        prot_p();
        print(nlst());
        try { cwd("a\x00b"); } catch (e) { print(e.kind); }
        quit();
        connect_tls("127.0.0.1", ARGS[0].parse_int());
        print(login(ARGS[1], ARGS[2], "unused-account"));
        print(retr_text("f.txt"));
    "#;
    let port = server.port.to_string();
    let o = run(
        cwd.path(),
        &[
            "--tls",
            "--cacert",
            &ca,
            "--url",
            &url,
            "-e",
            code,
            &port,
            VSFTPD_USER,
            PASSWORD,
        ],
        &[("FTP_PASSWORD", PASSWORD)],
    );
    assert_ok(&o);
    assert_eq!(
        out(&o),
        "secret data\n\nperm 522\n[\"f.txt\"]\nusage\n230 Login successful.\nsecret data\n\n"
    );
    // Without --tls the server refuses the clear-text login (no script:
    // standard input, empty here, after the login --url does).
    let o = run(cwd.path(), &["--url", &url], &[("FTP_PASSWORD", PASSWORD)]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(err(&o).contains("530"), "{}", err(&o));
    let o = run(
        cwd.path(),
        &["--url", &url, "-e", "1"],
        &[("FTP_PASSWORD", PASSWORD)],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).starts_with("error: 530 "), "{}", err(&o));
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib (the README's test command runs it)"
)]
fn mirror_both_ways_from_a_script() {
    let server = PyFtpd::start("127.0.0.1");
    ftp_tests::make_tree(server.root.path(), 60, 20_000, 9);
    let cwd = tempfile::tempdir().unwrap();
    let url = format!("ftp://{USER}@127.0.0.1:{}/", server.port);
    let code = r#"
        let s = mirror("/", "copy", #{ parallel: 4 });
        print(`${s.files} ${s.failed.len()} ${s.refused.len()} ${s.bytes > 0} ${s.seconds >= 0.0}`);
        let again = mirror("/", "copy", #{ only_newer: true });
        print(`${again.files} ${again.skipped}`);
        let up = mirror_up("copy", "up", #{ exclude: ["*.dat"], parallel: 2 });
        print(`${up.files} ${up.failed}`);
        let dry = mirror("/", "copy2", #{ dry_run: true });
        print(dry.planned.len() > 60);
        try { mirror("/", "../outside"); } catch (e) { print(e.kind); }
        try { mirror("/", "x", #{ paralel: 2 }); } catch (e) { print(e.kind); }
        try { mirror("/nowhere", "x"); } catch (e) { print(`${e.kind} ${e.code >= 500}`); }
    "#;
    let o = run(
        cwd.path(),
        &["--url", &url, "-e", code],
        &[("FTP_PASSWORD", PASSWORD)],
    );
    assert_ok(&o);
    // The dry run printed its plan, one action a line.
    let text = out(&o);
    let plan = text
        .lines()
        .filter(|l| l.starts_with("get ") || l.starts_with("mkdir "))
        .count();
    assert!(plan > 60, "{text}");
    let rest: String = text
        .lines()
        .filter(|l| !l.starts_with("get ") && !l.starts_with("mkdir "))
        .map(|l| format!("{l}\n"))
        .collect();
    let dat = ftp_tests::read_tree(&cwd.path().join("copy"))
        .iter()
        .filter(|(p, d)| d.is_some() && p.ends_with(".dat"))
        .count();
    assert_eq!(
        rest,
        format!(
            "60 0 0 true true\n0 60\n{} []\ntrue\nusage\nusage\nperm true\n",
            60 - dat
        )
    );
    assert_eq!(
        ftp_tests::read_tree(&cwd.path().join("copy")),
        ftp_tests::read_tree(server.root.path())
            .into_iter()
            .filter(|(p, _)| !p.starts_with("up"))
            .collect::<Vec<_>>()
    );
    assert!(!cwd.path().join("copy2").exists());
}

#[test]
fn mirror_refuses_hostile_names_from_a_script() {
    let port = ftp_tests::hostile_ftpd(true).to_string();
    let cwd = tempfile::tempdir().unwrap();
    let code = r#"
        connect("127.0.0.1", ARGS[0].parse_int());
        login("x", "y");
        let s = mirror("/", "t", #{ retries: 0 });
        for p in s.refused { if p.path == "../evil" { print(p.message); } }
        print(s.files);
    "#;
    let o = run(cwd.path(), &["-e", code, &port], &[]);
    assert_ok(&o);
    assert_eq!(out(&o), "a name holding / or \\ could lead elsewhere\n2\n");
    let mut names: Vec<String> = std::fs::read_dir(cwd.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, ["t"]);
    assert_eq!(
        std::fs::read(cwd.path().join("t/sub/ok.txt")).unwrap(),
        b"pwned\n"
    );
}

/// The fault-injection server through the runner: each fault is a
/// catchable error of the right kind, no partial file under the final
/// name, never a hang.
#[test]
fn faults_through_the_runner() {
    use ftp_tests::{DataFault, Faults, FaultyFtpd};
    let file = ftp_tests::random_bytes(50_000, 8);
    let cases: Vec<(Faults, &str, &str)> = vec![
        (
            Faults {
                trickle: Some(std::time::Duration::from_millis(200)),
                ..Faults::default()
            },
            "connect",
            "timeout ",
        ),
        (
            Faults {
                welcome: Some([b"220 ".as_slice(), &[b'x'; 9000], b"\r\n"].concat()),
                ..Faults::default()
            },
            "connect",
            "proto ",
        ),
        (
            Faults {
                welcome: Some(b"099 what\r\n".to_vec()),
                ..Faults::default()
            },
            "connect",
            "proto ",
        ),
        (
            Faults {
                file: file.clone(),
                data: DataFault::Abort426(10_000),
                ..Faults::default()
            },
            "retr",
            "temp 426",
        ),
        (
            Faults {
                file: file.clone(),
                data: DataFault::CloseEarly(10_000),
                ..Faults::default()
            },
            "retr",
            "io ",
        ),
        (
            Faults {
                file: file.clone(),
                data: DataFault::NoFinalReply,
                ..Faults::default()
            },
            "retr",
            "timeout ",
        ),
        (
            Faults {
                file: file.clone(),
                no_epsv: true,
                pasv_host: Some([10, 1, 2, 3]),
                ..Faults::default()
            },
            "retr",
            "ok",
        ),
    ];
    for (faults, step, want) in cases {
        let server = FaultyFtpd::start(faults);
        let cwd = tempfile::tempdir().unwrap();
        let code = format!(
            r#"let step = "connect";
            try {{
                connect("127.0.0.1", {port});
                login("u", "p", "acct");
                step = "retr";
                retr("file.bin");
                print("ok");
            }} catch (e) {{
                print(`${{step}} ${{e.kind}} ${{e.code}}`);
            }}"#,
            port = server.port
        );
        let start = std::time::Instant::now();
        let o = run(cwd.path(), &["--timeout", "0.8", "-e", &code], &[]);
        assert!(
            start.elapsed() < std::time::Duration::from_secs(8),
            "{want}: no hang"
        );
        assert_ok(&o);
        let expected = if want == "ok" {
            "ok\n".to_string()
        } else {
            format!("{step} {want}\n")
        };
        assert_eq!(out(&o), expected, "{}", err(&o));
        let local = cwd.path().join("file.bin");
        if want == "ok" {
            assert_eq!(std::fs::read(&local).unwrap(), file);
        } else {
            assert!(!local.exists(), "{want}: no file under the final name");
        }
    }
}

/// Servers as they are, through scripts: doubled and stray replies, ABOR
/// raw and as `abort()`, replies that are not 257, EPSV fall-backs, data
/// connections from strangers, resume of a file under the final name.
#[test]
fn servers_as_they_are_through_the_runner() {
    use ftp_tests::{Faults, FaultyFtpd};
    let file = ftp_tests::random_bytes(80_000, 41);
    let server = FaultyFtpd::start(Faults {
        welcome: Some(b"220-hello\r\n220x still hello\r\n220 ready\r\n".to_vec()),
        replies: vec![
            ("CWD".into(), b"200 ok\r\n250 changed\r\n".to_vec()),
            ("MKD".into(), b"250 made, no path\r\n".to_vec()),
            (
                "ABOR".into(),
                b"426 Transfer aborted\r\n226 ABOR successful\r\n".to_vec(),
            ),
            (
                "EPSV".into(),
                b"227 Entering Passive Mode (127,0,0,1,1,1)\r\n".to_vec(),
            ),
        ],
        file: file.clone(),
        ..Faults::default()
    });
    let cwd = tempfile::tempdir().unwrap();
    std::fs::write(cwd.path().join("part.bin"), &file[..30_000]).unwrap();
    let code = r#"
        connect("127.0.0.1", ARGS[0].parse_int());
        print(welcome());
        login("u", "p");
        print(cwd("pub"));
        sleep(0.05);
        print(pwd());
        try { mkd("d"); } catch (e) { print(`${e.kind} ${e.code}`); }
        try { sendcmd("ABOR"); } catch (e) { print(`${e.kind} ${e.code}`); }
        print(abort());
        print(retr("f.bin", "got.bin"));
        print(retr("f.bin", "part.bin", #{resume: true}));
    "#;
    let port = server.port.to_string();
    let o = run(cwd.path(), &["-e", code, &port], &[]);
    assert_ok(&o);
    assert_eq!(
        out(&o),
        "220-hello\n220x still hello\n220 ready\n200 ok\n/\nreply 250\n\
         temp 426\n226 ABOR successful\n226 transfer complete\n226 transfer complete\n",
        "{}",
        err(&o)
    );
    assert!(std::fs::read(cwd.path().join("got.bin")).unwrap() == file);
    assert!(std::fs::read(cwd.path().join("part.bin")).unwrap() == file);
    let sent = String::from_utf8_lossy(&server.received()).into_owned();
    assert!(sent.contains("REST 30000\r\n"), "{sent}");
    assert_eq!(
        sent.matches("EPSV\r\n").count(),
        1,
        "PASV remembered: {sent}"
    );
    // The script did not quit: the runner did.
    assert!(sent.ends_with("QUIT\r\n"), "{sent}");
}

/// Replies as the reference defines them, through scripts: SIZE answered
/// with another 2xx than 213 is (), NLST answered "450 No files found" is
/// an empty listing, a 257 whose quote is never
/// closed is a protocol error, ABOR sent raw during a transfer sent raw
/// reads both replies, a 229 naming port 0 or 1000000 falls back to PASV.
#[test]
fn replies_the_reference_defines_through_the_runner() {
    use ftp_tests::{Faults, FaultyFtpd};
    let server = FaultyFtpd::start(Faults {
        replies: vec![
            ("SIZE".into(), b"250 It is a directory\r\n".to_vec()),
            ("MKD".into(), b"257 \"/d created\r\n".to_vec()),
        ],
        transfer_replies: vec![("NLST".into(), b"450 No files found\r\n".to_vec())],
        retr_until_abor: Some(b"426 Transfer aborted.\r\n226 ABOR successful.\r\n".to_vec()),
        ..Faults::default()
    });
    let code = r#"
        connect("127.0.0.1", ARGS[0].parse_int());
        login("u", "p");
        print(size("d") == ());
        print(nlst("*.log").len());
        try { mkd("d"); print("a path?"); } catch (e) { print(`${e.kind}`); }
        print(sendcmd("RETR big"));
        print(sendcmd("ABOR"));
        print(sendcmd("NOOP"));
    "#;
    let cwd = tempfile::tempdir().unwrap();
    let port = server.port.to_string();
    let o = run(cwd.path(), &["-e", code, &port], &[]);
    assert_ok(&o);
    assert_eq!(
        out(&o),
        "true\n0\nproto\n150 Opening BINARY mode data connection.\n\
         226 ABOR successful.\n200 ok\n",
        "{}",
        err(&o)
    );

    let file = ftp_tests::random_bytes(20_000, 26);
    for port in ["0", "1000000"] {
        let server = FaultyFtpd::start(Faults {
            replies: vec![(
                "EPSV".into(),
                format!("229 Entering Extended Passive Mode (|||{port}|)\r\n").into_bytes(),
            )],
            file: file.clone(),
            ..Faults::default()
        });
        let code = r#"
            connect("127.0.0.1", ARGS[0].parse_int());
            login("u", "p");
            retr("a.bin");
            retr("a.bin", "b.bin");
        "#;
        let o = run(cwd.path(), &["-e", code, &server.port.to_string()], &[]);
        assert_ok(&o);
        assert!(std::fs::read(cwd.path().join("a.bin")).unwrap() == file);
        assert!(std::fs::read(cwd.path().join("b.bin")).unwrap() == file);
        let sent = String::from_utf8_lossy(&server.received()).into_owned();
        assert_eq!(sent.matches("EPSV").count(), 1, "port {port}: {sent}");
    }
}

/// A resumed upload to a server that refuses REST: APPE sends what the
/// server lacks (its SIZE), not the whole file.
#[test]
fn an_upload_resumes_with_appe_through_the_runner() {
    use ftp_tests::{Faults, FaultyFtpd};
    let file = ftp_tests::random_bytes(120_000, 30);
    let server = FaultyFtpd::start(Faults {
        replies: vec![("REST".into(), b"500 REST not understood.\r\n".to_vec())],
        ..Faults::default()
    });
    let cwd = tempfile::tempdir().unwrap();
    std::fs::write(cwd.path().join("part.bin"), &file[..50_000]).unwrap();
    std::fs::write(cwd.path().join("whole.bin"), &file).unwrap();
    let code = r#"
        connect("127.0.0.1", ARGS[0].parse_int());
        login("u", "p");
        stor("part.bin", "up.bin");
        stor("whole.bin", "up.bin", #{resume: true});
        print(size("up.bin"));
    "#;
    let o = run(cwd.path(), &["-e", code, &server.port.to_string()], &[]);
    assert_ok(&o);
    assert_eq!(out(&o), "120000\n", "{}", err(&o));
    assert!(server.stored()["up.bin"] == file);
    let sent = String::from_utf8_lossy(&server.received()).into_owned();
    assert_eq!(sent.matches("STOR up.bin").count(), 1, "{sent}");
    assert_eq!(sent.matches("APPE up.bin").count(), 1, "{sent}");
}

/// A server that answers nothing after an EPSV until the announced data
/// connection came (or its wait of 5 s ended, then a 425 about it first):
/// the early EPSV of a download does not delay or misalign what follows.
#[test]
fn an_unused_early_passive_request_delays_nothing_through_the_runner() {
    use ftp_tests::{Faults, FaultyFtpd};
    let file = ftp_tests::random_bytes(30_000, 27);
    let server = FaultyFtpd::start(Faults {
        passive_wait: Some((
            std::time::Duration::from_secs(5),
            b"425 No connection established\r\n".to_vec(),
        )),
        file: file.clone(),
        ..Faults::default()
    });
    let code = r#"
        connect("127.0.0.1", ARGS[0].parse_int());
        login("u", "p");
        retr("a.bin");
        print(pwd());
        retr("a.bin", "b.bin");
        print(sendcmd("NOOP"));
        quit();
    "#;
    let cwd = tempfile::tempdir().unwrap();
    let start = std::time::Instant::now();
    let o = run(cwd.path(), &["-e", code, &server.port.to_string()], &[]);
    let took = start.elapsed();
    assert_ok(&o);
    assert_eq!(out(&o), "/\n200 ok\n", "{}", err(&o));
    assert!(
        took < std::time::Duration::from_secs(4),
        "no wait: {took:?}"
    );
    assert!(std::fs::read(cwd.path().join("a.bin")).unwrap() == file);
    assert!(std::fs::read(cwd.path().join("b.bin")).unwrap() == file);
}

/// Active mode through the runner: a 425 after the 150 is the error at
/// once (the session goes on); a server that neither connects nor
/// answers costs one timeout.
#[test]
fn active_mode_hears_a_refusal_through_the_runner() {
    use ftp_tests::{Faults, FaultyFtpd};
    let cwd = tempfile::tempdir().unwrap();
    let code = r#"
        connect("127.0.0.1", ARGS[0].parse_int());
        login("u", "p");
        try { retr("f.bin"); print("got it?"); } catch (e) { print(`${e.kind} ${e.code}`); }
        try { print(sendcmd("NOOP")); } catch (e) { print(`${e.kind}`); }
    "#;
    for (faults, timeout, want, bound) in [
        (
            Faults {
                active_refused_after_150: Some(std::time::Duration::from_millis(200)),
                ..Faults::default()
            },
            "10",
            "temp 425\n200 ok\n",
            3.0,
        ),
        (
            Faults {
                active_silent: true,
                ..Faults::default()
            },
            "0.8",
            "timeout \nproto\n",
            2.0,
        ),
    ] {
        let server = FaultyFtpd::start(faults);
        let port = server.port.to_string();
        let start = std::time::Instant::now();
        let o = run(
            cwd.path(),
            &["--active", "--timeout", timeout, "-e", code, &port],
            &[],
        );
        let took = start.elapsed().as_secs_f64();
        assert_ok(&o);
        assert_eq!(out(&o), want, "{}", err(&o));
        assert!(took < bound, "{want}: {took} s");
        assert!(!cwd.path().join("f.bin").exists());
    }
}

#[test]
fn active_data_from_a_stranger_is_refused_through_the_runner() {
    use ftp_tests::{Faults, FaultyFtpd};
    let faults = Faults {
        active_from: Some("127.0.0.2".parse().unwrap()),
        file: b"forged?".to_vec(),
        ..Faults::default()
    };
    let code = r#"
        connect("127.0.0.1", ARGS[0].parse_int());
        login("u", "p");
        try { retr("f.bin"); print("taken"); } catch (e) { print(`${e.kind} ${e.message}`); }
        print(sendcmd("NOOP"));
        quit();
    "#;
    let server = FaultyFtpd::start(faults.clone());
    let cwd = tempfile::tempdir().unwrap();
    let port = server.port.to_string();
    let o = run(cwd.path(), &["--active", "-e", code, &port], &[]);
    assert_ok(&o);
    let text = out(&o);
    assert!(
        text.starts_with("io data connection from 127.0.0.2:")
            && text.contains("refused: it is not the server (127.0.0.1)\n200 ok\n"),
        "{text}"
    );
    assert!(!cwd.path().join("f.bin").exists());
    let server = FaultyFtpd::start(faults);
    let port = server.port.to_string();
    let o = run(
        cwd.path(),
        &["--active", "--no-verify-data-peer", "-e", code, &port],
        &[],
    );
    assert_ok(&o);
    assert_eq!(out(&o), "taken\n200 ok\n");
    assert_eq!(std::fs::read(cwd.path().join("f.bin")).unwrap(), b"forged?");
}

/// The runner ends the session it holds with QUIT: after --url, after a
/// script that never quits, after an error; never twice.
#[test]
fn sessions_end_with_quit() {
    use ftp_tests::{Faults, FaultyFtpd};
    let cwd = tempfile::tempdir().unwrap();
    for (args, status) in [
        (vec!["-e", "print(pwd());"], 0),
        (vec!["-e", r#"cwd("x"); throw "the script fails";"#], 1),
        (vec!["-e", "quit();"], 0),
    ] {
        let server = FaultyFtpd::start(Faults::default());
        let url = format!("ftp://u:p@127.0.0.1:{}/", server.port);
        let mut all = vec!["--url", url.as_str()];
        all.extend(args.iter().copied());
        let o = run(cwd.path(), &all, &[]);
        assert_eq!(o.status.code(), Some(status), "{}", err(&o));
        let sent = String::from_utf8_lossy(&server.received()).into_owned();
        assert!(sent.ends_with("QUIT\r\n"), "{args:?}: {sent}");
        assert_eq!(sent.matches("QUIT").count(), 1, "{args:?}: {sent}");
    }
    // A session whose control connection is gone gets nothing.
    let server = FaultyFtpd::start(Faults {
        replies: vec![("NOOP".into(), b"421 bye\r\n".to_vec())],
        ..Faults::default()
    });
    let code = format!(
        r#"connect("127.0.0.1", {}); login("u", "p"); sendcmd("NOOP");"#,
        server.port
    );
    let o = run(cwd.path(), &["-e", &code], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).starts_with("error: 421 bye"), "{}", err(&o));
}

/// A mirror through a server allowing two sessions: every file, and the
/// summary says how many connections were used.
#[test]
fn mirror_under_a_connection_limit_through_the_runner() {
    use ftp_tests::{Faults, FaultyFtpd};
    let names: Vec<String> = (0..24).map(|i| format!("f{i:02}")).collect();
    let listing: Vec<u8> = names
        .iter()
        .flat_map(|n| {
            format!("-rw-r--r--    1 1000     1000            5 Jan 02  2025 {n}\r\n").into_bytes()
        })
        .collect();
    let server = FaultyFtpd::start(Faults {
        listing,
        file: b"12345".to_vec(),
        max_sessions: Some(2),
        ..Faults::default()
    });
    let cwd = tempfile::tempdir().unwrap();
    let url = format!("ftp://u:p@127.0.0.1:{}/", server.port);
    let code = r#"
        let s = mirror("/", "copy", #{ parallel: 4 });
        print(`${s.files} ${s.failed.len()} ${s.connections} ${s.stopped}`);
    "#;
    let o = run(cwd.path(), &["--url", &url, "-e", code], &[]);
    assert_ok(&o);
    assert_eq!(out(&o), "24 0 2 \n", "{}", err(&o));
    for n in &names {
        assert_eq!(
            std::fs::read(cwd.path().join("copy").join(n)).unwrap(),
            b"12345"
        );
    }
}

/// More of the same through scripts: a malformed but complete reply, a
/// 421 between commands, an EPSV port that is closed or never answers, a
/// PASV answered with 229, a server whose disk fills during mirror_up.
#[test]
fn fall_backs_and_odd_replies_through_the_runner() {
    use ftp_tests::{Faults, FaultyFtpd};
    let file = ftp_tests::random_bytes(20_000, 42);
    for faults in [
        Faults {
            epsv_closed_port: true,
            ..Faults::default()
        },
        Faults {
            epsv_unanswered: true,
            ..Faults::default()
        },
        Faults {
            no_epsv: true,
            pasv_answers_229: true,
            ..Faults::default()
        },
    ] {
        let server = FaultyFtpd::start(Faults {
            file: file.clone(),
            replies: vec![
                ("NOOP".into(), b"999 what is this\r\n".to_vec()),
                ("SYST".into(), b"215 UNIX\r\n421 Idle timeout\r\n".to_vec()),
            ],
            ..faults
        });
        let cwd = tempfile::tempdir().unwrap();
        let code = r#"
            connect("127.0.0.1", ARGS[0].parse_int());
            login("u", "p");
            retr("f.bin");
            try { sendcmd("NOOP"); } catch (e) { print(`${e.kind} ${e.message}`); }
            print(pwd());
            print(sendcmd("SYST"));
            sleep(0.05);
            try { cwd("x"); } catch (e) { print(`${e.kind} ${e.code}`); }
        "#;
        let port = server.port.to_string();
        let o = run(cwd.path(), &["--timeout", "0.8", "-e", code, &port], &[]);
        assert_ok(&o);
        assert_eq!(
            out(&o),
            "proto protocol error: reply does not start with a 3-digit code\n/\n215 UNIX\ntemp 421\n",
            "{}",
            err(&o)
        );
        assert!(std::fs::read(cwd.path().join("f.bin")).unwrap() == file);
        let sent = String::from_utf8_lossy(&server.received()).into_owned();
        assert!(
            !sent.contains("CWD x"),
            "nothing sent after the 421: {sent}"
        );
    }
    // mirror_up into a server whose disk fills after three files.
    let server = FaultyFtpd::start(Faults {
        full_after: Some(3),
        ..Faults::default()
    });
    let cwd = tempfile::tempdir().unwrap();
    std::fs::create_dir(cwd.path().join("logs")).unwrap();
    for i in 0..12 {
        std::fs::write(cwd.path().join(format!("logs/{i:02}.log")), "x\n").unwrap();
    }
    let url = format!("ftp://u:p@127.0.0.1:{}/", server.port);
    let code = r#"
        let s = mirror_up("logs", "/", #{ parallel: 2 });
        print(`${s.files} ${s.failed.len()} ${s.stopped.contains("452")}`);
    "#;
    let o = run(cwd.path(), &["--url", &url, "-e", code], &[]);
    assert_ok(&o);
    assert_eq!(out(&o), "3 9 true\n", "{}", err(&o));
    assert!(server.stor_attempts() <= 5, "{}", server.stor_attempts());
}

/// The runner's control connection has TCP keepalive on (seen from
/// outside, in the kernel's socket table), so a NAT gateway does not drop
/// it while a long transfer runs.
#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs ss from iproute2 (the README's test command runs it)"
)]
fn the_control_connection_has_keepalive() {
    use ftp_tests::{Faults, FaultyFtpd};
    let server = FaultyFtpd::start(Faults::default());
    let cwd = tempfile::tempdir().unwrap();
    let code = format!(
        r#"connect("127.0.0.1", {}); login("u", "p"); sleep(2.0); quit();"#,
        server.port
    );
    let mut child = Command::new(env!("CARGO_BIN_EXE_ftp-script"))
        .args(["-e", &code])
        .current_dir(cwd.path())
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .env_remove("ftp_proxy")
        .env_remove("FTP_PROXY")
        .spawn()
        .expect("ftp-script runs");
    // Bounded: look for the connection for at most 2 s.
    let mut seen = String::new();
    for _ in 0..40 {
        std::thread::sleep(std::time::Duration::from_millis(50));
        let out = Command::new("ss")
            .args([
                "-tno",
                "state",
                "established",
                "dport",
                "=",
                &format!(":{}", server.port),
            ])
            .output()
            .expect("ss (iproute2) runs");
        seen = String::from_utf8_lossy(&out.stdout).into_owned();
        if seen.contains("keepalive") {
            break;
        }
    }
    let status = child.wait().unwrap();
    assert!(status.success());
    assert!(seen.contains("timer:(keepalive"), "{seen}");
}

/// `--cert FILE --key FILE` (curl's spellings; the key may sit in the
/// certificate's file) for a server that requires a client certificate;
/// without one, an error of kind `tls` that says what is missing.
#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs vsftpd and root (the README's test command runs it)"
)]
fn client_certificate_flags() {
    let client = ftp_tests::ClientCert::generate();
    let server = Vsftpd::start_requiring_cert(&client);
    server.put("f.txt", b"only with a certificate\n");
    let ca = server.ca.as_ref().unwrap().display().to_string();
    let url = format!("ftp://{VSFTPD_USER}@127.0.0.1:{}/", server.port);
    let cwd = tempfile::tempdir().unwrap();
    let env = [("FTP_PASSWORD", PASSWORD)];
    let (cert, key, combined) = (
        client.cert.display().to_string(),
        client.key.display().to_string(),
        client.combined.display().to_string(),
    );
    let script = "print(retr_text(\"f.txt\"))";
    for flags in [
        vec!["--cert", &cert, "--key", &key],
        vec!["--cert", &combined],
    ] {
        let mut args = vec!["--tls", "--cacert", &ca, "--url", &url];
        args.extend(flags);
        args.extend(["-e", script]);
        let o = run(cwd.path(), &args, &env);
        assert_ok(&o);
        assert_eq!(out(&o), "only with a certificate\n\n");
    }
    // No certificate: the kind is tls, and the message says why.
    let o = run(
        cwd.path(),
        &[
            "--tls",
            "--cacert",
            &ca,
            "--url",
            &url,
            "-e",
            "try { login(); } catch (e) { print(e.kind); }",
        ],
        &env,
    );
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(
        err(&o).contains("requires a client certificate"),
        "{}",
        err(&o)
    );
    let o = run(
        cwd.path(),
        &[
            "--tls",
            "--cacert",
            &ca,
            "-e",
            &format!(
                "try {{ connect(\"127.0.0.1\", {}); login(\"{VSFTPD_USER}\", \"{PASSWORD}\"); }} catch (e) {{ print(e.kind); }}",
                server.port
            ),
        ],
        &[],
    );
    assert_eq!(out(&o), "tls\n", "{}", err(&o));
    // --key alone is a usage error.
    let o = run(cwd.path(), &["--key", &key, "-e", "1"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
}

fn mtime(path: &Path) -> std::time::SystemTime {
    std::fs::metadata(path).unwrap().modified().unwrap()
}

fn set_mtime(path: &Path, when: std::time::SystemTime) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(when)
        .unwrap();
}

/// `stor(.., #{keep_time: true})` gives the remote file the local time
/// (vsftpd: the two-argument MDTM; pyftpdlib: MFMT); `mirror_up` does it
/// by default, so a second one with only_newer sends nothing; a server
/// with no way to set times gets the files and one warning line a
/// session.
#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs vsftpd, pyftpdlib and root (the README's test command runs it)"
)]
fn keep_time_on_stor_and_mirror_up() {
    let vs = Vsftpd::start();
    let py = PyFtpd::start("127.0.0.1");
    let cwd = tempfile::tempdir().unwrap();
    std::fs::create_dir(cwd.path().join("tree")).unwrap();
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(5 * 86_400);
    for name in ["one.txt", "tree/a.txt", "tree/b.txt"] {
        std::fs::write(cwd.path().join(name), name).unwrap();
        set_mtime(&cwd.path().join(name), old);
    }
    for (root, port, user) in [
        (vs.root.path(), vs.port, VSFTPD_USER),
        (py.root.path(), py.port, USER),
    ] {
        let url = format!("ftp://{user}@127.0.0.1:{port}/");
        let script = r#"
            stor("one.txt", "kept.txt", #{keep_time: true});
            stor("one.txt", "plain.txt");
            let first = mirror_up("tree", "up");
            let second = mirror_up("tree", "up", #{only_newer: true});
            print(`${first.files} ${second.files}`);
        "#;
        let o = run(
            cwd.path(),
            &["--url", &url, "-e", script],
            &[("FTP_PASSWORD", PASSWORD)],
        );
        assert_ok(&o);
        assert_eq!(out(&o), "2 0\n", "port {port}: {}", err(&o));
        let off = |p: &Path| {
            mtime(p)
                .duration_since(old)
                .unwrap_or_else(|e| e.duration())
        };
        assert!(off(&root.join("kept.txt")) < std::time::Duration::from_secs(1));
        assert!(off(&root.join("plain.txt")) > std::time::Duration::from_secs(86_400));
        for name in ["a.txt", "b.txt"] {
            assert!(off(&root.join("up").join(name)) < std::time::Duration::from_secs(1));
        }
    }
    // No MFMT, no MDTM with a time, no SITE UTIME: one warning.
    use ftp_tests::{Faults, FaultyFtpd};
    let server = FaultyFtpd::start(Faults::default());
    let url = format!("ftp://u@127.0.0.1:{}/", server.port);
    let o = run(
        cwd.path(),
        &[
            "--url",
            &url,
            "-e",
            r#"stor("one.txt", "x", #{keep_time: true}); stor("one.txt", "y", #{keep_time: true});"#,
        ],
        &[("FTP_PASSWORD", "p")],
    );
    assert_ok(&o);
    assert_eq!(
        err(&o).matches("cannot set modification times").count(),
        1,
        "{}",
        err(&o)
    );
    assert_eq!(server.stored().len(), 2);
    // keep_time is an option of uploads only.
    let o = run(
        cwd.path(),
        &["--url", &url, "-e", r#"retr("x", #{keep_time: true})"#],
        &[("FTP_PASSWORD", "p")],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("known: resume"), "{}", err(&o));
}

/// `#{verify: ..}` on retr, stor, mirror and mirror_up against ProFTPD's
/// mod_digest (mirrors verify by default: `verified` counts), and a
/// server that lies about checksums: an error of kind `checksum`.
#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs proftpd and root (the README's test command runs it)"
)]
fn verify_option_and_verified_count() {
    let server = ftp_tests::ProFtpd::start();
    let cwd = tempfile::tempdir().unwrap();
    std::fs::create_dir(cwd.path().join("tree")).unwrap();
    for (name, len) in [
        ("tree/a.bin", 10_000),
        ("tree/b.bin", 200_000),
        ("one.bin", 5),
    ] {
        std::fs::write(cwd.path().join(name), ftp_tests::random_bytes(len, 90)).unwrap();
    }
    let url = format!(
        "ftp://{VSFTPD_USER}@127.0.0.1:{}{}/",
        server.port,
        server.root.path().display()
    );
    let script = r#"
        stor("one.bin", "one.bin", #{verify: "always"});
        retr("one.bin", "back.bin", #{verify: "always"});
        let up = mirror_up("tree", "tree");
        let down = mirror("tree", "copy");
        let none = mirror("tree", "copy2", #{verify: "never"});
        print(`${up.files} ${up.verified} ${down.files} ${down.verified} ${none.verified}`);
    "#;
    let o = run(
        cwd.path(),
        &["--url", &url, "-e", script],
        &[("FTP_PASSWORD", PASSWORD)],
    );
    assert_ok(&o);
    assert_eq!(out(&o), "2 2 2 2 0\n", "{}", err(&o));
    assert_eq!(
        std::fs::read(cwd.path().join("back.bin")).unwrap(),
        std::fs::read(cwd.path().join("one.bin")).unwrap()
    );
    // A liar: kind checksum, nothing under the final name.
    use ftp_tests::{Faults, FaultyFtpd};
    let liar = FaultyFtpd::start(Faults {
        file: b"data".to_vec(),
        replies: vec![
            (
                "FEAT".into(),
                b"211-Features:\r\n XMD5\r\n211 End\r\n".to_vec(),
            ),
            (
                "XMD5".into(),
                b"250 00000000000000000000000000000000\r\n".to_vec(),
            ),
        ],
        ..Faults::default()
    });
    let url = format!("ftp://u@127.0.0.1:{}/", liar.port);
    let o = run(
        cwd.path(),
        &[
            "--url",
            &url,
            "-e",
            r#"try { retr("f", "lied.bin", #{verify: "auto"}); } catch (e) { print(e.kind); }"#,
        ],
        &[("FTP_PASSWORD", "p")],
    );
    assert_eq!(out(&o), "checksum\n", "{}", err(&o));
    assert!(!cwd.path().join("lied.bin").exists());
    let o = run(
        cwd.path(),
        &[
            "--url",
            &url,
            "-e",
            r#"retr("f", "x", #{verify: "sometimes"})"#,
        ],
        &[("FTP_PASSWORD", "p")],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("verify must be"), "{}", err(&o));
}

/// `--proxy URL` (Dante's SOCKS5 and Tinyproxy's CONNECT in front of
/// vsftpd), `--noproxy HOSTS`, and the environment curl reads
/// (`ALL_PROXY`, `ftp_proxy`, `NO_PROXY`).
#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs vsftpd, dante, tinyproxy and root (the README's test command runs it)"
)]
fn proxy_flags_and_environment() {
    let server = Vsftpd::start();
    server.put("f.txt", b"through the proxy\n");
    let dante = ftp_tests::Dante::start(false, None);
    let tiny = ftp_tests::Tinyproxy::start(None, &[]);
    let cwd = tempfile::tempdir().unwrap();
    let url = format!("ftp://{VSFTPD_USER}@127.0.0.1:{}/", server.port);
    let env = [("FTP_PASSWORD", PASSWORD)];
    let script = r#"print(retr_text("f.txt")); stor_text("up.txt", "up"); print(mirror("/", "copy").files);"#;
    for proxy in [
        format!("socks5h://127.0.0.1:{}", dante.port),
        format!("http://127.0.0.1:{}", tiny.port),
    ] {
        std::fs::remove_dir_all(cwd.path().join("copy")).ok();
        let o = run(
            cwd.path(),
            &["--proxy", &proxy, "--url", &url, "-e", script],
            &env,
        );
        assert_ok(&o);
        assert_eq!(out(&o), "through the proxy\n\n2\n", "{proxy}: {}", err(&o));
    }
    let port = server.port.to_string();
    assert!(dante.log().contains(&port), "{}", dante.log());
    assert!(tiny.log().contains(&port), "{}", tiny.log());
    // A proxy that is not there: refused, unless --noproxy says direct.
    let (closed, gone) = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        (
            format!("socks5h://127.0.0.1:{}", l.local_addr().unwrap().port()),
            l,
        )
    };
    drop(gone);
    let o = run(
        cwd.path(),
        &["--proxy", &closed, "--url", &url, "-e", "print(1)"],
        &env,
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("proxy"), "{}", err(&o));
    let o = run(
        cwd.path(),
        &[
            "--proxy",
            &closed,
            "--noproxy",
            "localhost,127.0.0.1",
            "--url",
            &url,
            "-e",
            "print(1)",
        ],
        &env,
    );
    assert_ok(&o);
    // The environment: ALL_PROXY is used, NO_PROXY spares the host.
    let all = [("FTP_PASSWORD", PASSWORD), ("ALL_PROXY", closed.as_str())];
    let o = run(cwd.path(), &["--url", &url, "-e", "print(1)"], &all);
    assert_eq!(o.status.code(), Some(1), "ALL_PROXY was not used");
    let spared = [
        ("FTP_PASSWORD", PASSWORD),
        ("ALL_PROXY", closed.as_str()),
        ("NO_PROXY", "127.0.0.1"),
    ];
    let o = run(cwd.path(), &["--url", &url, "-e", "print(1)"], &spared);
    assert_ok(&o);
    // A proxy URL that is none: a usage error.
    let o = run(cwd.path(), &["--proxy", "gopher://x", "-e", "1"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib (the README's test command runs it)"
)]
fn names_in_any_encoding_from_a_script() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let server = PyFtpd::start_raw_names("127.0.0.1");
    let root = server.root.path();
    let at = |name: &[u8]| root.join(OsStr::from_bytes(name));
    std::fs::write(at(b"caf\xe9.txt"), b"latin one").unwrap();
    std::fs::create_dir(at(b"d\xe9j\xe0")).unwrap();
    std::fs::write(at(b"d\xe9j\xe0/\xfcber"), b"inner").unwrap();
    std::fs::write(at(b"\xc6\xf3\xf0\xed\xe0\xeb.log"), b"cyrillic").unwrap();
    std::fs::write(root.join("plain.txt"), b"plain").unwrap();
    let cwd = tempfile::tempdir().unwrap();
    std::fs::write(cwd.path().join("up.txt"), b"cv").unwrap();
    std::fs::create_dir(cwd.path().join("local")).unwrap();
    std::fs::write(cwd.path().join("local/été.txt"), b"summer").unwrap();
    std::fs::write(cwd.path().join("local/Жук.txt"), b"beetle").unwrap();
    let url = format!("ftp://{USER}@127.0.0.1:{}/", server.port);
    let env = [("FTP_PASSWORD", PASSWORD)];

    // Under latin-1 (ftplib's spelling), then cp1251 for one name.
    let code = r#"
        print(encoding());
        let names = nlst();
        print(names.contains("café.txt") && names.contains("déjà"));
        retr("café.txt", "cafe-local.txt");
        rename("café.txt", "thé.txt");
        stor("up.txt", "résumé.txt");
        cwd("déjà"); print(pwd()); cwd("/");
        let s = mirror("/déjà", "copy");
        print(`${s.files} ${s.refused.len()}`);
        let up = mirror_up("local", "/up");
        print(`${up.files} ${up.refused.len()} ${up.refused[0].path}`);
        try { delete("Жук.txt"); } catch (e) { print(e.kind); }
        set_encoding("cp1251");
        print(encoding());
        retr("Журнал.log", "journal.txt");
        delete("Журнал.log");
        try { set_encoding("klingon"); } catch (e) { print(e.kind); }
    "#;
    let o = run(
        cwd.path(),
        &["--url", &url, "--encoding", "latin-1", "-e", code],
        &env,
    );
    assert_ok(&o);
    assert_eq!(
        out(&o),
        "latin-1\ntrue\n/déjà\n1 0\n1 1 Жук.txt\nencoding\nwindows-1251\nusage\n"
    );
    let local = |p: &str| std::fs::read(cwd.path().join(p)).unwrap();
    assert_eq!(local("cafe-local.txt"), b"latin one");
    assert_eq!(local("copy/über"), b"inner");
    assert_eq!(local("journal.txt"), b"cyrillic");
    assert_eq!(std::fs::read(at(b"th\xe9.txt")).unwrap(), b"latin one");
    assert_eq!(std::fs::read(at(b"r\xe9sum\xe9.txt")).unwrap(), b"cv");
    assert_eq!(std::fs::read(at(b"up/\xe9t\xe9.txt")).unwrap(), b"summer");
    assert!(!at(b"\xc6\xf3\xf0\xed\xe0\xeb.log").exists());
    assert!(!at(b"caf\xe9.txt").exists());

    // Under UTF-8 (the default): a name from a listing, given back
    // unchanged, reaches the server as the same bytes.
    let code = r#"
        for n in nlst() {
            if n.starts_with("th") {
                retr(n, "back.txt");
                rename(n, "ascii.txt");
                rename("ascii.txt", n);
                try { retr(n); } catch (e) { print(e.kind); }
            }
        }
        let s = mirror("/", "copy8");
        print(`${s.refused.len()} ${s.failed.len()}`);
    "#;
    let o = run(cwd.path(), &["--url", &url, "-e", code], &env);
    assert_ok(&o);
    // thé.txt, résumé.txt, déjà and up/été.txt: reported, not mirrored.
    assert_eq!(out(&o), "usage\n4 0\n");
    assert!(
        err(&o).contains("names that are not utf-8") && err(&o).contains("\\xe9"),
        "{}",
        err(&o)
    );
    assert_eq!(err(&o).matches("warning:").count(), 1, "once: {}", err(&o));
    assert_eq!(local("back.txt"), b"latin one");
    assert_eq!(std::fs::read(at(b"th\xe9.txt")).unwrap(), b"latin one");
    assert_eq!(local("copy8/plain.txt"), b"plain");

    let o = run(
        cwd.path(),
        &["--encoding", "klingon", "-e", "print(1)"],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", err(&o));
    assert!(
        err(&o).contains("--encoding: unknown encoding \"klingon\""),
        "{}",
        err(&o)
    );
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs vsftpd (the README's test command runs it)"
)]
fn segmented_downloads_from_a_script() {
    let server = Vsftpd::start();
    let data = ftp_tests::random_bytes(6 << 20, 12);
    server.put("big.bin", &data);
    let cwd = tempfile::tempdir().unwrap();
    let url = format!("ftp://{VSFTPD_USER}@127.0.0.1:{}/", server.port);
    let code = r#"
        print(retr("big.bin", "four.bin", #{segments: 4}));
        print(retr("big.bin", "one.bin", #{segments: 1}).starts_with("226"));
        try { retr("big.bin", "x", #{segments: 17}); } catch (e) { print(e.kind); }
        try { retr("big.bin", "x", #{segments: "4"}); } catch (e) { print(e.kind); }
        ascii();
        try { retr("big.bin", "x", #{segments: 2}); } catch (e) { print(e.kind); }
    "#;
    let o = run(
        cwd.path(),
        &["--url", &url, "-e", code],
        &[("FTP_PASSWORD", PASSWORD)],
    );
    assert_ok(&o);
    let total = data.len();
    assert_eq!(
        out(&o),
        format!(
            "complete: {total} bytes, {total} of them now, in up to 4 segments\ntrue\nusage\nusage\nusage\n"
        )
    );
    for name in ["four.bin", "one.bin"] {
        assert!(
            std::fs::read(cwd.path().join(name)).unwrap() == data,
            "{name}"
        );
    }
    assert!(!cwd.path().join("four.bin.part").exists());
    assert!(!cwd.path().join("four.bin.part.segments").exists());
}

/// Output to a closed pipe (`ftp-script ... | head`) is dropped: the
/// script runs to its end and exits 0 (println! panicked there, and a
/// panic in a mirror worker left the others waiting).
#[test]
fn output_to_a_closed_pipe_does_not_stop_the_script() {
    let cwd = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_ftp-script"))
        .args(["-e", "for i in 0..20000 { print(`line ${i}`); debug(i); }"])
        .current_dir(cwd.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("ftp-script runs");
    // Both pipes closed before the script writes: every write fails.
    drop(child.stdout.take());
    drop(child.stderr.take());
    let status = child.wait().unwrap();
    assert!(status.success(), "{status:?}");
}

/// ftplib's class API, checked inside the script on a session object.
/// ARGS: port, user, password, "mlsd"|"nomlsd", "tls"|"clear".
const SESSION_METHODS: &str = r#"
fn check(ok, what) { if !ok { throw `check failed: ${what}`; } }

let ftp = if ARGS[4] == "tls" { FTP_TLS() } else { FTP() };
let w = ftp.connect("127.0.0.1", ARGS[0].parse_int());
check(w.starts_with("220") && ftp.getwelcome() == w, "connect, getwelcome " + w);
check(ftp.login(ARGS[1], ARGS[2]).starts_with("230"), "login");
if ARGS[4] == "tls" { check(ftp.prot_p().starts_with("200"), "prot_p"); }
check(ftp.pwd() == "/", "pwd");
check(ftp.mkd("d").ends_with("d"), "mkd");
check(ftp.cwd("d").starts_with("250"), "cwd");
// storbinary from a file object, a callback per block, then rest.
let sent = 0;
let f = open("big.bin", "rb");
check(ftp.storbinary("STOR big.bin", f, 8192, |b| sent += b.len()).starts_with("226"), "storbinary");
f.close();
check(sent == 300000 && ftp.size("big.bin") == 300000, `sent ${sent}`);
check(ftp.storlines("STOR lines.txt", open("lines.txt")).starts_with("226"), "storlines");
// retrbinary into a callback, into a file object, from an offset.
let got = blob();
check(ftp.retrbinary("RETR big.bin", |b| got += b).starts_with("226"), "retrbinary");
check(got.len() == 300000, `got ${got.len()}`);
check(ftp.retrbinary("RETR big.bin", open("copy.bin", "wb")).starts_with("226"), "retrbinary to a file");
let tail = blob();
check(ftp.retrbinary("RETR big.bin", |b| tail += b, 8192, 299990).starts_with("226"), "rest");
check(tail.len() == 10, `tail ${tail.len()}`);
let lines = [];
check(ftp.retrlines("RETR lines.txt", |l| lines.push(l)).starts_with("226"), "retrlines");
check(lines == ["one", "two", "three"], `lines ${lines}`);
check(ftp.retrlines("LIST").starts_with("226"), "retrlines printing");
check(ftp.nlst().len() == 2 && ftp.dir().len() == 2, "nlst, dir");
if ARGS[3] == "mlsd" {
    check(ftp.mlsd().len() == 2, "mlsd");
    let e = ftp.mlsd("/d", ["type", "size"]).filter(|e| e.name == "big.bin")[0];
    check(e.size == 300000 && e.type == "file", `mlsd with facts ${e}`);
}
check(ftp.rename("lines.txt", "l.txt").starts_with("250"), "rename");
check(ftp.exists("l.txt") && !ftp.exists("lines.txt"), "exists");
check(ftp.mdtm("l.txt").len() == 14, "mdtm");
check(ftp.sendcmd("NOOP").starts_with("200") && ftp.voidcmd("NOOP").starts_with("200"), "sendcmd, voidcmd");
check(ftp.feat().len() > 0, "feat");
ftp.set_pasv(false);
check(ftp.nlst().len() == 2, "active mode");
ftp.set_pasv(true);
ftp.set_debuglevel(0);
// A callback that throws stops the transfer; the session goes on.
let calls = 0;
try {
    ftp.retrbinary("RETR big.bin", |b| { calls += 1; throw "enough"; });
    check(false, "the throw was lost");
} catch (e) { check(e == "enough" && calls == 1, `caught ${e} after ${calls} calls`); }
check(ftp.pwd() == "/d", "usable after a throwing callback");
try { ftp.retrlines("RETR l.txt", |l| throw `line ${l}`); check(false, "lines"); }
catch (e) { check(e == "line one", `caught ${e}`); }
// 14 bytes where the server stores ASCII with its own line ends, 17 as sent.
let n = ftp.size("l.txt");
check(n == 14 || n == 17, `usable after a throwing line callback: ${n}`);
check(ftp.retr("big.bin", "retr.bin").starts_with("226"), "retr");
check(ftp.delete("big.bin").starts_with("250") && ftp.delete("l.txt").starts_with("250"), "delete");
check(ftp.cwd("/").starts_with("250") && ftp.rmd("d").starts_with("250"), "rmd");
check(ftp.quit().starts_with("221"), "quit");
let again = if ARGS[4] == "tls" { FTP_TLS() } else { FTP() };
again.connect("127.0.0.1", ARGS[0].parse_int());
again.login(ARGS[1], ARGS[2]);
again.close();
print("all good");
"#;

fn session_methods(port: u16, mlsd: &str, user: &str, tls: Option<&Path>) {
    let cwd = tempfile::tempdir().unwrap();
    let big = ftp_tests::random_bytes(300_000, 51);
    std::fs::write(cwd.path().join("big.bin"), &big).unwrap();
    std::fs::write(cwd.path().join("lines.txt"), "one\ntwo\nthree\n").unwrap();
    let port = port.to_string();
    let ca = tls.map(|p| p.display().to_string());
    let mut args = Vec::new();
    if let Some(ca) = &ca {
        args.extend(["--cacert", ca.as_str()]);
    }
    let mode = if tls.is_some() { "tls" } else { "clear" };
    args.extend(["-e", SESSION_METHODS, &port, user, PASSWORD, mlsd, mode]);
    let o = run(cwd.path(), &args, &[]);
    assert_ok(&o);
    let stdout = out(&o);
    assert!(stdout.ends_with("all good\n"), "{stdout}");
    // retrlines("LIST") without a callback printed the listing.
    assert!(stdout.contains("big.bin\n"), "{stdout}");
    assert_eq!(std::fs::read(cwd.path().join("copy.bin")).unwrap(), big);
    assert_eq!(std::fs::read(cwd.path().join("retr.bin")).unwrap(), big);
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib and vsftpd (the README's test command runs it)"
)]
fn session_objects_have_ftplibs_methods() {
    let py = PyFtpd::start("127.0.0.1");
    session_methods(py.port, "mlsd", USER, None);
    let vs = Vsftpd::start();
    session_methods(vs.port, "nomlsd", VSFTPD_USER, None);
    // FTP_TLS against vsftpd requiring every data connection to resume
    // the control connection's TLS session.
    let tls = Vsftpd::start_with(Tls::Explicit, "127.0.0.1");
    session_methods(tls.port, "nomlsd", VSFTPD_USER, tls.ca.as_deref());
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib and vsftpd (the README's test command runs it)"
)]
fn two_sessions_copy_between_servers_and_all_end_with_quit() {
    let from = Vsftpd::start();
    let data = ftp_tests::random_bytes(200_000, 52);
    from.put("pub.bin", &data);
    let to = ftp_tests::FaultyFtpd::start(ftp_tests::Faults::default());
    let cwd = tempfile::tempdir().unwrap();
    let script = r#"
        let a = FTP();
        a.connect("127.0.0.1", ARGS[0].parse_int());
        a.login(ARGS[2], ARGS[3]);
        let b = FTP();
        b.connect("127.0.0.1", ARGS[1].parse_int());
        b.login("u", "p");
        a.retrbinary("RETR pub.bin", open("pub.bin", "wb"));
        print(b.storbinary("STOR pub.bin", open("pub.bin", "rb")));
        // Both still open when the script fails: both get QUIT.
        throw "the end";
    "#;
    let (a, b) = (from.port.to_string(), to.port.to_string());
    let o = run(
        cwd.path(),
        &["-e", script, &a, &b, VSFTPD_USER, PASSWORD],
        &[],
    );
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    assert!(out(&o).starts_with("226"), "{}", out(&o));
    assert_eq!(to.stored().get("pub.bin"), Some(&data));
    let said = String::from_utf8_lossy(&to.received()).into_owned();
    assert!(said.ends_with("QUIT\r\n"), "{said}");
}

#[test]
fn open_stays_in_the_sandbox() {
    let cwd = tempfile::tempdir().unwrap();
    let inner = cwd.path().join("in");
    std::fs::create_dir(&inner).unwrap();
    for (script, wanted) in [
        (r#"open("../out.txt", "w")"#, "outside the directories"),
        (r#"open("/etc/passwd")"#, "outside the directories"),
        (r#"open("x.txt", "rw")"#, "the mode is r, w or a"),
        (
            r#"let f = open("x.txt", "w"); f.close(); f.write("late")"#,
            "is closed",
        ),
        // A callback that is neither a function nor a file, a file that
        // is no file object: refused before anything is sent.
        (
            r#"retrbinary("RETR x", 5)"#,
            "the callback must be a function",
        ),
        (
            r#"storbinary("STOR x", "x.txt")"#,
            "the file must be one from open",
        ),
    ] {
        let o = run(&inner, &["-e", script], &[]);
        assert_eq!(o.status.code(), Some(1), "{script}");
        assert!(err(&o).contains(wanted), "{script}: {}", err(&o));
    }
    assert!(!cwd.path().join("out.txt").exists());
    // A file left open is flushed when the script ends.
    let o = run(
        &inner,
        &["-e", r#"let f = open("kept.txt", "w"); f.write("kept");"#],
        &[],
    );
    assert_ok(&o);
    assert_eq!(std::fs::read(inner.join("kept.txt")).unwrap(), b"kept");
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib and vsftpd (the README's test command runs it)"
)]
fn the_reference_session_with_objects_and_a_copy_between_servers() {
    let py = PyFtpd::start("127.0.0.1");
    std::fs::create_dir(py.path("debian")).unwrap();
    let readme = ftp_tests::random_bytes(70_000, 53);
    std::fs::write(py.path("debian/README"), &readme).unwrap();
    std::fs::write(py.path("debian/ls-lR.gz"), b"x").unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let port = py.port.to_string();
    let o = run(
        cwd.path(),
        &[&script("ftplib_session.rhai"), "127.0.0.1", &port],
        &[],
    );
    assert_ok(&o);
    let stdout = out(&o);
    let lines: Vec<&str> = stdout.lines().collect();
    assert!(lines[0].starts_with("220 "), "{stdout}");
    assert!(lines[1].starts_with("230 "), "{stdout}");
    assert!(lines[2].starts_with("250 "), "{stdout}");
    assert!(
        lines[3].ends_with(" README") && lines[4].ends_with(" ls-lR.gz"),
        "{stdout}"
    );
    assert!(
        lines[5].starts_with("226 ") && lines[6].starts_with("226 "),
        "{stdout}"
    );
    assert!(lines[7].starts_with("221 "), "{stdout}");
    assert_eq!(std::fs::read(cwd.path().join("README")).unwrap(), readme);

    // The tree of one server onto another, two sessions in one script.
    let to = Vsftpd::start();
    ftp_tests::make_tree(&py.path("tree"), 30, 40_000, 54);
    let o = run(
        cwd.path(),
        &[
            &script("copy_tree.rhai"),
            "127.0.0.1",
            &port,
            "127.0.0.1",
            &to.port.to_string(),
            VSFTPD_USER,
            PASSWORD,
            "tree",
        ],
        &[],
    );
    assert_ok(&o);
    assert!(out(&o).starts_with("30 files from "), "{}", out(&o));
    assert!(ftp_tests::read_tree(&to.path("tree")) == ftp_tests::read_tree(&py.path("tree")));
}

/// `getwelcome()` gives every line of a long multi-line welcome (the core
/// keeps its first 256 bytes), as ftplib does, to the first session and
/// to a session object alike.
#[test]
fn getwelcome_gives_the_whole_welcome() {
    use ftp_tests::{Faults, FaultyFtpd};
    let long = "x".repeat(300);
    let welcome = format!("220-{long}\r\n220-second line\r\n220 ready\r\n");
    let server = FaultyFtpd::start(Faults {
        welcome: Some(welcome.into_bytes()),
        ..Faults::default()
    });
    let cwd = tempfile::tempdir().unwrap();
    let code = r#"
        print(connect("127.0.0.1", ARGS[0].parse_int()));
        print(getwelcome());
        let ftp = FTP();
        ftp.connect("127.0.0.1", ARGS[0].parse_int());
        print(ftp.getwelcome());
    "#;
    let o = run(cwd.path(), &["-e", code, &server.port.to_string()], &[]);
    assert_ok(&o);
    let whole = format!("220-{long}\n220-second line\n220 ready\n");
    assert_eq!(out(&o), whole.repeat(3), "{}", err(&o));
}

/// A script on standard input: `ftp-script - ARGS...`, and without a
/// script when standard input is not a terminal (a pipe, a here-document).
#[test]
fn scripts_on_standard_input() {
    use std::io::Write as _;
    let cwd = tempfile::tempdir().unwrap();
    for args in [&["-", "one", "two"][..], &[][..]] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ftp-script"))
            .args(args)
            .current_dir(cwd.path())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"print(`${ARGS.len()} ${40 + 2}`);\nthrow \"from stdin\";\n")
            .unwrap();
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let wanted = format!("{} 42\n", args.len().saturating_sub(1));
        assert_eq!(out(&o), wanted, "{args:?}");
        assert!(err(&o).contains("from stdin (line 2"), "{}", err(&o));
    }
}

/// ftplib's constructors: `FTP(host)` connects to port 21, `FTP(host,
/// user, passwd)` logs in too, an empty user does not. A peer of the
/// test's own on port 21 of a loopback address nobody else uses (binding
/// port 21 needs root).
#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "binds port 21: needs root (the README's test command runs it)"
)]
fn constructors_connect_to_port_21_and_log_in() {
    use std::io::{BufRead, BufReader, Write as _};
    let Some((host, listener)) = (77..120u8).find_map(|last| {
        let host = format!("127.0.0.{last}");
        TcpListener::bind((host.as_str(), 21))
            .ok()
            .map(|l| (host, l))
    }) else {
        panic!("no loopback address with port 21 free");
    };
    let said = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let log = said.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(3).flatten() {
            let log = log.clone();
            std::thread::spawn(move || serve_one(stream, &log));
        }
    });
    fn serve_one(stream: std::net::TcpStream, log: &std::sync::Mutex<String>) {
        let mut w = stream.try_clone().unwrap();
        let mut r = BufReader::new(stream);
        let _ = w.write_all(b"220 port 21\r\n");
        for _ in 0..10 {
            let mut line = String::new();
            if r.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            log.lock().unwrap().push_str(&line);
            let reply: &[u8] = match line.split_whitespace().next().unwrap_or("") {
                "USER" => b"331 password\r\n",
                "PASS" => b"230 in\r\n",
                "PWD" => b"257 \"/\"\r\n",
                "QUIT" => b"221 bye\r\n",
                _ => b"502 no\r\n",
            };
            let _ = w.write_all(reply);
        }
    }
    let cwd = tempfile::tempdir().unwrap();
    let code = r#"
        let a = FTP(ARGS[0]);
        print(a.getwelcome());
        let b = FTP(ARGS[0], "u", "p");
        print(b.pwd());
        let c = FTP(ARGS[0], "");
        print(c.quit());
    "#;
    let o = run(cwd.path(), &["-e", code, &host], &[]);
    assert_ok(&o);
    assert_eq!(out(&o), "220 port 21\n/\n221 bye\n");
    let said = said.lock().unwrap().clone();
    // b logged in (USER, PASS); a and c did not; all three said QUIT.
    assert_eq!(said.matches("USER ").count(), 1, "{said}");
    assert_eq!(said.matches("PASS ").count(), 1, "{said}");
    assert_eq!(said.matches("QUIT").count(), 3, "{said}");
}

/// `--tls-max 1.2` keeps an FTPS session at TLS 1.2 (the server would take
/// 1.3, as it does without the option); another version is a usage error.
#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs vsftpd (the README's test command runs it)"
)]
fn tls_max_caps_the_tls_version() {
    let server = Vsftpd::start_with(Tls::Explicit, "127.0.0.1");
    let cwd = tempfile::tempdir().unwrap();
    let ca = server.ca.as_ref().unwrap().display().to_string();
    let url = format!("ftp://{VSFTPD_USER}@127.0.0.1:{}/", server.port);
    for (max, wanted) in [(Some("1.2"), "TLSv1_2"), (None, "TLSv1_3")] {
        let mut args = vec!["--tls", "--cacert", ca.as_str(), "-v"];
        if let Some(max) = max {
            args.extend(["--tls-max", max]);
        }
        // A listing too: its data connection resumes the control
        // connection's TLS session, as vsftpd requires, under either.
        args.extend([
            "--url",
            url.as_str(),
            "-e",
            "print(pwd()); print(type_of(nlst()))",
        ]);
        let o = run(cwd.path(), &args, &[("FTP_PASSWORD", PASSWORD)]);
        assert_ok(&o);
        assert_eq!(out(&o), "/\narray\n");
        assert!(
            err(&o).contains(&format!("control connection: Some({wanted})")),
            "{max:?}: {}",
            err(&o)
        );
    }
    let o = run(cwd.path(), &["--tls-max", "1.1", "-e", "1"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(err(&o).contains("--tls-max"), "{}", err(&o));
}

/// `--pinnedpubkey`: the server's public key matched (the session works,
/// with the CA check and with --insecure alone) or not (refused in the TLS
/// handshake, before USER: nothing of the login is sent).
#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs vsftpd (the README's test command runs it)"
)]
fn a_pinned_public_key_is_checked() {
    let server = Vsftpd::start_with(Tls::Explicit, "127.0.0.1");
    let right = ftp_tests::pin_of_key(&server.key().unwrap());
    let wrong = "sha256//AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=";
    let cwd = tempfile::tempdir().unwrap();
    let ca = server.ca.as_ref().unwrap().display().to_string();
    let url = format!("ftp://{VSFTPD_USER}@127.0.0.1:{}/", server.port);
    let env = [("FTP_PASSWORD", PASSWORD)];
    let with = |pins: &str, trust: &[&str]| {
        let mut args = vec!["--tls", "--pinnedpubkey", pins];
        args.extend_from_slice(trust);
        args.extend(["-v", "--url", url.as_str(), "-e", "print(pwd())"]);
        run(cwd.path(), &args, &env)
    };
    let both = format!("{wrong};{right}");
    for (pins, trust) in [
        (right.as_str(), &["--cacert", ca.as_str()][..]),
        (both.as_str(), &["--cacert", ca.as_str()][..]),
        (right.as_str(), &["--insecure"][..]),
    ] {
        let o = with(pins, trust);
        assert_ok(&o);
        assert_eq!(out(&o), "/\n");
    }
    for trust in [&["--cacert", ca.as_str()][..], &["--insecure"][..]] {
        let o = with(wrong, trust);
        assert_eq!(o.status.code(), Some(1), "{}", err(&o));
        assert!(err(&o).contains("pinned"), "{}", err(&o));
        assert!(!err(&o).contains("USER"), "no login was sent: {}", err(&o));
    }
    let o = run(cwd.path(), &["--pinnedpubkey", "md5//x", "-e", "1"], &[]);
    assert_eq!(o.status.code(), Some(2));
}

/// `dir(path, #{via: "stat"})` against a server whose listings get no
/// data connection (pyftpdlib answering LIST and MLSD with 425): the
/// lines come over the control connection, from a session object too,
/// hidden files with `hidden`; the plain `dir` fails with the server's
/// 425; the mirror lists over STAT by itself; a bad option is a usage
/// error.
#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib (the README's test command runs it)"
)]
fn listings_over_stat() {
    let server = PyFtpd::start_no_listing_data("127.0.0.1");
    std::fs::create_dir_all(server.path("pub/sub dir")).unwrap();
    std::fs::write(server.path("pub/a.txt"), b"alpha").unwrap();
    std::fs::write(server.path("pub/.dot"), b"d").unwrap();
    std::fs::write(server.path("pub/sub dir/b.txt"), b"beta").unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let port = server.port.to_string();
    let code = format!(
        "fn check(ok, what) {{ if !ok {{ throw `check failed: ${{what}}`; }} }}
        connect(\"127.0.0.1\", ARGS[0].parse_int());
        login(\"{USER}\", \"{PASSWORD}\");
        let lines = dir(\"/pub\", #{{via: \"stat\"}});
        check(lines.len() == 3, lines);
        check(lines.filter(|l| l.ends_with(\" a.txt\")).len() == 1, lines);
        let inner = dir(\"/pub/sub dir\", #{{via: \"stat\", hidden: true}});
        check(inner.len() == 1 && inner[0].ends_with(\" b.txt\"), inner);
        check(pwd() == \"/\", pwd());
        let failed = false;
        try {{ dir(\"/pub\"); }} catch (e) {{ failed = e.code == 425; }}
        check(failed, \"LIST gets 425\");
        let ftp = FTP();
        ftp.connect(\"127.0.0.1\", ARGS[0].parse_int());
        ftp.login(\"{USER}\", \"{PASSWORD}\");
        check(ftp.dir(\"/pub\", #{{via: \"stat\"}}).len() == 3, \"object\");
        let s = mirror(\"/pub\", \"copy\");
        check(s.files == 3 && s.failed.len() == 0, s);
        print(\"ok\");"
    );
    let o = run(cwd.path(), &["-e", &code, &port], &[]);
    assert_ok(&o);
    assert_eq!(out(&o), "ok\n");
    assert_eq!(
        std::fs::read(cwd.path().join("copy/sub dir/b.txt")).unwrap(),
        b"beta"
    );
    assert_eq!(std::fs::read(cwd.path().join("copy/.dot")).unwrap(), b"d");
    let code =
        "connect(\"127.0.0.1\", ARGS[0].parse_int()); login(); dir(\"/\", #{via: \"data\"});";
    let o = run(cwd.path(), &["-e", code, &port], &[]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        err(&o).contains("via must be \"list\" or \"stat\""),
        "{}",
        err(&o)
    );
}

/// HOST (RFC 7151) from the runner: `--vhost NAME` puts the session in
/// pyftpdlib's virtual host (HOST before USER in the debug output);
/// without it the server's FEAT lists HOST, `HOST 127.0.0.1` is no
/// virtual host's name and the session is the default host's; `--no-host`
/// sends neither FEAT nor HOST before login; an unknown `--vhost` is an
/// error before USER.
#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib (the README's test command runs it)"
)]
fn vhost_sends_host_before_login() {
    let server = PyFtpd::start_vhost("127.0.0.1", "files.example", "vh");
    std::fs::write(server.path("vh/in-vhost.txt"), b"v").unwrap();
    let cwd = tempfile::tempdir().unwrap();
    let url = format!("ftp://{USER}:{PASSWORD}@127.0.0.1:{}/", server.port);
    let o = run(
        cwd.path(),
        &[
            "-v",
            "--vhost",
            "files.example",
            "--url",
            &url,
            "-e",
            "print(nlst())",
        ],
        &[],
    );
    assert_ok(&o);
    assert_eq!(out(&o), "[\"in-vhost.txt\"]\n");
    let debug = err(&o);
    let host = debug.find("*cmd* HOST files.example").expect("HOST sent");
    assert!(host < debug.find("*cmd* USER").unwrap(), "{debug}");
    let o = run(
        cwd.path(),
        &["-v", "--url", &url, "-e", "print(nlst())"],
        &[],
    );
    assert_ok(&o);
    assert_eq!(out(&o), "[\"vh\"]\n");
    assert!(err(&o).contains("*cmd* HOST 127.0.0.1"), "{}", err(&o));
    let o = run(
        cwd.path(),
        &["-v", "--no-host", "--url", &url, "-e", "print(nlst())"],
        &[],
    );
    assert_ok(&o);
    assert_eq!(out(&o), "[\"vh\"]\n");
    let debug = err(&o);
    assert!(
        !debug.contains("*cmd* HOST") && !debug.contains("*cmd* FEAT"),
        "{debug}"
    );
    let o = run(
        cwd.path(),
        &[
            "-v",
            "--vhost",
            "nosuch.example",
            "--url",
            &url,
            "-e",
            "print(1)",
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("504 Unknown virtual host"), "{}", err(&o));
    assert!(!err(&o).contains("*cmd* USER"), "{}", err(&o));
}

/// `list()` parses what a mainframe lists: a z/OS catalog (data sets,
/// a migrated one, the heading) and an OS/400 library, served by a
/// pyftpdlib that answers LIST with those lines (samples from Apache
/// Commons Net's MVSFTPEntryParserTest and OS400FTPEntryParserTest);
/// and vsftpd's own listing, hidden files with `hidden`.
#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib and vsftpd (the README's test command runs it)"
)]
fn list_parses_mainframe_listings() {
    let cwd = tempfile::tempdir().unwrap();
    let zos = cwd.path().join("zos.txt");
    std::fs::write(
        &zos,
        "Volume Unit    Referred Ext Used Recfm Lrecl BlkSz Dsorg Dsname\r\n\
         SAVE00 3390   2004/06/23  1    1  FB     128  6144  PS    INCOMING.RPTBM023.D061704\r\n\
         SAVE01 3390   2004/06/23  1    1  FB     128  6144  PO    INCOMING.RPTBM024.D061704\r\n\
         Migrated                                                HLQ.OLD.DATA\r\n",
    )
    .unwrap();
    let os400 = cwd.path().join("os400.txt");
    std::fs::write(
        &os400,
        "ZFTPDEV 9069 05/20/15 15:36:52 *STMF /DRV/AUDWRKSHET/AUDWRK0204232015114625.PDF\r\n\
         PEP             36864 04/03/24 14:06:34 *DIR       dir1/\r\n\
         \x20                                       *MEM       MYFILE.FILE/MYFILE.MBR\r\n",
    )
    .unwrap();
    let code = format!(
        "fn check(ok, what) {{ if !ok {{ throw `check failed: ${{what}}`; }} }}
        connect(\"127.0.0.1\", ARGS[0].parse_int());
        login(\"{USER}\", \"{PASSWORD}\");
        let l = list();
        check(l.len() == 3, l);
        check(l[0].name == \"INCOMING.RPTBM023.D061704\" && l[0].type == \"file\", l[0]);
        check(l[0].time == \"2004-06-23\" && l[0].size == (), l[0]);
        check(l[1].type == \"dir\" && l[2].type == \"other\" && l[2].name == \"HLQ.OLD.DATA\", l);
        let ftp = FTP();
        ftp.connect(\"127.0.0.1\", ARGS[1].parse_int());
        ftp.login(\"{USER}\", \"{PASSWORD}\");
        let o = ftp.list(\"/QSYS.LIB\");
        check(o.len() == 3, o);
        check(o[0].name == \"AUDWRK0204232015114625.PDF\" && o[0].size == 9069, o[0]);
        check(o[0].time == \"2015-05-20 15:36\" && o[0].owner == \"ZFTPDEV\", o[0]);
        check(o[1].name == \"dir1\" && o[1].type == \"dir\" && o[1].time == (), o[1]);
        check(o[2].name == \"MYFILE.MBR\" && o[2].type == \"file\", o[2]);
        print(\"ok\");"
    );
    let a = PyFtpd::start_listing("127.0.0.1", &zos);
    let b = PyFtpd::start_listing("127.0.0.1", &os400);
    let o = run(
        cwd.path(),
        &["-e", &code, &a.port.to_string(), &b.port.to_string()],
        &[],
    );
    assert_ok(&o);
    assert_eq!(out(&o), "ok\n");
    // vsftpd: its own lines, dot files with hidden.
    let server = Vsftpd::start();
    std::fs::create_dir_all(server.path("d")).unwrap();
    server.put("d/a.txt", b"12345");
    server.put("d/.dot", b"x");
    let code = "connect(\"127.0.0.1\", ARGS[0].parse_int()); login(ARGS[1], ARGS[2]);
        let l = list(\"/d\");
        if l.len() != 1 || l[0].name != \"a.txt\" || l[0].size != 5 || l[0].type != \"file\" { throw l; }
        let h = list(\"/d\", #{hidden: true});
        if h.len() != 2 || h.filter(|e| e.name == \".dot\").len() != 1 { throw h; }
        print(l[0].time.len());";
    let o = run(
        cwd.path(),
        &["-e", code, &server.port.to_string(), VSFTPD_USER, PASSWORD],
        &[],
    );
    assert_ok(&o);
    assert_eq!(out(&o), "16\n");
}

/// Atomic uploads against vsftpd, read in its protocol log:
/// `stor(.., #{atomic: true})` sends `STOR .x.part`, then RNFR and RNTO
/// onto the final name, replacing the old file; `mirror_up` does so for
/// every file by default (`atomic: false` sends under the final names);
/// no temporary file is left.
#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs vsftpd and root (the README's test command runs it)"
)]
fn atomic_uploads_rename_in_vsftpds_log() {
    let logs = tempfile::tempdir().unwrap();
    let log = logs.path().join("vsftpd.log");
    let config = format!(
        "log_ftp_protocol=YES\nxferlog_enable=YES\nxferlog_std_format=NO\nvsftpd_log_file={}\n",
        log.display()
    );
    let server = Vsftpd::start_config(Tls::Off, "127.0.0.1", false, &config);
    server.put("x.bin", b"old contents");
    let cwd = tempfile::tempdir().unwrap();
    std::fs::write(cwd.path().join("x.bin"), b"the new contents").unwrap();
    std::fs::create_dir_all(cwd.path().join("tree/sub")).unwrap();
    std::fs::write(cwd.path().join("tree/a.txt"), b"a").unwrap();
    std::fs::write(cwd.path().join("tree/sub/b.txt"), b"bb").unwrap();
    let code = "connect(\"127.0.0.1\", ARGS[0].parse_int()); login(ARGS[1], ARGS[2]);
        stor(\"x.bin\", \"x.bin\", #{atomic: true});
        let s = mirror_up(\"tree\", \"/up\");
        if s.files != 2 { throw s; }
        let s = mirror_up(\"tree\", \"/plain\", #{atomic: false});
        if s.files != 2 { throw s; }";
    let o = run(
        cwd.path(),
        &["-e", code, &server.port.to_string(), VSFTPD_USER, PASSWORD],
        &[],
    );
    assert_ok(&o);
    assert_eq!(
        std::fs::read(server.path("x.bin")).unwrap(),
        b"the new contents"
    );
    assert_eq!(std::fs::read(server.path("up/sub/b.txt")).unwrap(), b"bb");
    assert_eq!(std::fs::read(server.path("plain/a.txt")).unwrap(), b"a");
    let log = std::fs::read_to_string(&log).unwrap();
    let at = |what: &str| log.find(what).unwrap_or_else(|| panic!("{what} in\n{log}"));
    assert!(at("\"STOR .x.bin.part\"") < at("\"RNFR .x.bin.part\""));
    assert!(at("\"RNFR .x.bin.part\"") < at("\"RNTO x.bin\""));
    assert!(at("\"STOR /up/sub/.b.txt.part\"") < at("\"RNTO /up/sub/b.txt\""));
    assert!(log.contains("\"STOR /plain/a.txt\""), "{log}");
    assert!(!log.contains("RNTO /plain/"), "{log}");
    for dir in ["", "up", "up/sub"] {
        let names: Vec<_> = std::fs::read_dir(server.path(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert!(!names.iter().any(|n| n.ends_with(".part")), "{names:?}");
    }
}

/// Rate limits from the runner against vsftpd: `--limit-rate 2M` holds a
/// 4 MiB download to 2 s, `rate: "1M"` of one upload holds its 2 MiB to 2
/// s (the session's own limit after it again), a mirror's `rate` its
/// total; a rate that is no rate is a usage error.
#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs vsftpd and root (the README's test command runs it)"
)]
fn limit_rate_and_rate_options() {
    let server = Vsftpd::start();
    let data = ftp_tests::random_bytes(4 << 20, 17);
    server.put("four.bin", &data);
    let cwd = tempfile::tempdir().unwrap();
    std::fs::write(cwd.path().join("two.bin"), &data[..2 << 20]).unwrap();
    let url = format!("ftp://{VSFTPD_USER}:{PASSWORD}@127.0.0.1:{}/", server.port);
    let start = std::time::Instant::now();
    let o = run(
        cwd.path(),
        &[
            "--limit-rate",
            "2M",
            "--url",
            &url,
            "-e",
            "retr(\"four.bin\")",
        ],
        &[],
    );
    assert_ok(&o);
    let took = start.elapsed().as_secs_f64();
    assert!((1.9..4.0).contains(&took), "4 MiB at 2M took {took:.2} s");
    assert!(std::fs::read(cwd.path().join("four.bin")).unwrap() == data);
    let code = "let t = now_utc(); stor(\"two.bin\", \"two.bin\", #{rate: \"1M\"}); retr(\"four.bin\", \"again.bin\");";
    let start = std::time::Instant::now();
    let o = run(cwd.path(), &["--url", &url, "-e", code], &[]);
    assert_ok(&o);
    let took = start.elapsed().as_secs_f64();
    // 2 s for the upload, the download after it at full speed.
    assert!(
        (1.9..3.5).contains(&took),
        "2 MiB at 1M and 4 MiB unlimited took {took:.2} s"
    );
    assert!(std::fs::read(server.path("two.bin")).unwrap() == data[..2 << 20]);
    for bad in ["--limit-rate fast", "--limit-rate 2X"] {
        let args: Vec<&str> = bad.split(' ').chain(["-e", "1"]).collect();
        let o = run(cwd.path(), &args, &[]);
        assert_eq!(o.status.code(), Some(2), "{bad}");
        assert!(err(&o).contains("--limit-rate"), "{}", err(&o));
    }
    let o = run(
        cwd.path(),
        &["--url", &url, "-e", "retr(\"four.bin\", #{rate: \"x\"})"],
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(err(&o).contains("rate"), "{}", err(&o));
}

/// Retries that resume from the runner, against the fault server dropping
/// the connection when the file reaches 1 MiB, then 3 MiB: `retr(..,
/// #{retries: 3})` and `--retry 3` for `stor` get the 8 MiB there whole
/// with two resumes (REST 1048576 and 3145728 in the debug output, APPE
/// for the upload); without retries the first cut is the error; a
/// missing file is not tried again.
#[test]
fn retries_resume_through_the_runner() {
    use ftp_tests::{Faults, FaultyFtpd};
    let data = ftp_tests::random_bytes(8 << 20, 33);
    let cuts = || Faults {
        file: data.clone(),
        drops_at: vec![1 << 20, 3 << 20],
        ..Faults::default()
    };
    let cwd = tempfile::tempdir().unwrap();
    let server = FaultyFtpd::start(cuts());
    let url = format!("ftp://u:p@127.0.0.1:{}/", server.port);
    let o = run(
        cwd.path(),
        &["-v", "--url", &url, "-e", "retr(\"f.bin\", #{retries: 3})"],
        &[],
    );
    assert_ok(&o);
    assert!(std::fs::read(cwd.path().join("f.bin")).unwrap() == data);
    let debug = err(&o);
    assert!(
        debug.contains("*cmd* REST 1048576") && debug.contains("*cmd* REST 3145728"),
        "{debug}"
    );
    let server = FaultyFtpd::start(cuts());
    let url = format!("ftp://u:p@127.0.0.1:{}/", server.port);
    let o = run(
        cwd.path(),
        &[
            "--retry",
            "3",
            "--url",
            &url,
            "-e",
            "stor(\"f.bin\", \"up.bin\")",
        ],
        &[],
    );
    assert_ok(&o);
    assert!(server.stored()["up.bin"] == data);
    let sent = String::from_utf8_lossy(&server.received()).into_owned();
    assert_eq!(sent.matches("APPE up.bin").count(), 2, "{sent}");
    // No retries: the cut is the script's error.
    let server = FaultyFtpd::start(cuts());
    let url = format!("ftp://u:p@127.0.0.1:{}/", server.port);
    let o = run(
        cwd.path(),
        &["--url", &url, "-e", "retr(\"f.bin\", \"again.bin\")"],
        &[],
    );
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
    let o = run(
        cwd.path(),
        &["--url", &url, "-e", "retr(\"f.bin\", #{retries: 101})"],
        &[],
    );
    assert!(
        err(&o).contains("retries must be a number from 0 to 100"),
        "{}",
        err(&o)
    );
}

/// `fxp` in scripts: between two session objects (ftplib-style
/// `fxp(a, path, b, path)` and `a.fxp(path, b, path)`) and from the
/// script's first session: vsftpd on 127.0.0.2 and 127.0.0.4
/// (promiscuous) and pyftpdlib on 127.0.0.3 (foreign addresses allowed;
/// only as the destination: as a source, in active mode, it meets its
/// stale-descriptor bug, docs/servers.md); the copies byte for byte; a
/// session copying to itself is a usage error.
#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs vsftpd, pyftpdlib and root (the README's test command runs it)"
)]
fn fxp_between_session_objects() {
    let promiscuous = "port_promiscuous=YES\npasv_promiscuous=YES\n";
    let vs = Vsftpd::start_config(Tls::Off, "127.0.0.2", false, promiscuous);
    let vs2 = Vsftpd::start_config(Tls::Off, "127.0.0.4", false, promiscuous);
    let py = PyFtpd::start_fxp("127.0.0.3");
    let data = ftp_tests::random_bytes(3 << 20, 44);
    vs.put("f.bin", &data);
    let cwd = tempfile::tempdir().unwrap();
    let code = format!(
        "let a = FTP(); a.connect(\"127.0.0.2\", ARGS[0].parse_int()); a.login(\"{VSFTPD_USER}\", \"{PASSWORD}\");
        let b = FTP(); b.connect(\"127.0.0.3\", ARGS[1].parse_int()); b.login(\"{USER}\", \"{PASSWORD}\");
        let c = FTP(); c.connect(\"127.0.0.4\", ARGS[2].parse_int()); c.login(\"{VSFTPD_USER}\", \"{PASSWORD}\");
        let d = fxp(a, \"f.bin\", b, \"one.bin\");
        if !d.destination.starts_with(\"226\") || d.size != 3145728 {{ throw d; }}
        a.fxp(\"f.bin\", c, \"two.bin\");
        connect(\"127.0.0.4\", ARGS[2].parse_int()); login(\"{VSFTPD_USER}\", \"{PASSWORD}\");
        fxp(\"two.bin\", b, \"three.bin\");
        let same = false;
        try {{ a.fxp(\"f.bin\", a, \"x.bin\"); }} catch (e) {{ same = `${{e}}`.contains(\"two sessions\"); }}
        if !same {{ throw \"a session copied to itself\"; }}
        print(\"ok\");"
    );
    let start = std::time::Instant::now();
    let ports = [
        vs.port.to_string(),
        py.port.to_string(),
        vs2.port.to_string(),
    ];
    let o = run(
        cwd.path(),
        &["-e", &code, &ports[0], &ports[1], &ports[2]],
        &[],
    );
    assert_ok(&o);
    assert_eq!(out(&o), "ok\n");
    assert!(start.elapsed().as_secs() < 20, "{:?}", start.elapsed());
    assert!(std::fs::read(py.root.path().join("one.bin")).unwrap() == data);
    assert!(std::fs::read(vs2.path("two.bin")).unwrap() == data);
    assert!(std::fs::read(py.root.path().join("three.bin")).unwrap() == data);
}

/// `--probe URL` and `probe()`: vsftpd with `max_per_ip=2` (two sessions,
/// no MLSD, no FTPS, the options to use), implicit FTPS on vsftpd
/// (`ftps://`), and pyftpdlib from a script (the map's keys, a finding
/// not tried is `()`); an unreachable server is exit 1.
#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs vsftpd, pyftpdlib and root (the README's test command runs it)"
)]
fn probe_prints_and_returns_the_findings() {
    let cwd = tempfile::tempdir().unwrap();
    let vs = Vsftpd::start_config(Tls::Off, "127.0.0.1", false, "max_per_ip=2\n");
    vs.put("f.txt", b"x");
    let url = format!("ftp://{VSFTPD_USER}:{PASSWORD}@127.0.0.1:{}/", vs.port);
    let o = run(cwd.path(), &["--probe", &url], &[]);
    assert_ok(&o);
    let text = out(&o);
    for line in [
        "EPSV: yes",
        "PASV: yes (its address takes connections)",
        "active mode (PORT/EPRT): yes",
        "MLSD/MLST: no",
        "SIZE: yes, MDTM: yes, MFMT: no, REST STREAM: yes",
        "checksums: none",
        "listings over STAT: yes",
        "FTPS: explicit (AUTH TLS) no, implicit no",
        "connections at once: 2",
        "time zone of LIST times: UTC+00:00",
    ] {
        assert!(text.lines().any(|l| l == line), "{line:?} in\n{text}");
    }
    assert!(
        text.contains("options to use: mirror(.., #{parallel: 2})"),
        "{text}"
    );
    let implicit = Vsftpd::start_with(Tls::Implicit, "127.0.0.1");
    let ca = implicit.ca.clone().unwrap();
    let url = format!(
        "ftps://{VSFTPD_USER}:{PASSWORD}@127.0.0.1:{}/",
        implicit.port
    );
    let o = run(
        cwd.path(),
        &[
            "--cacert",
            ca.to_str().unwrap(),
            "--probe-connections",
            "2",
            "--probe",
            &url,
        ],
        &[],
    );
    assert_ok(&o);
    let text = out(&o);
    assert!(
        text.contains("FTPS: explicit (AUTH TLS) not tried, implicit yes"),
        "{text}"
    );
    assert!(
        text.contains("data connections must resume the TLS session: yes"),
        "{text}"
    );
    assert!(
        text.contains("connections at once: 2 or more (the most tried)"),
        "{text}"
    );
    let py = PyFtpd::start("127.0.0.1");
    std::fs::write(py.path("f.txt"), b"x").unwrap();
    let code = format!(
        "connect(\"127.0.0.1\", ARGS[0].parse_int()); login(\"{USER}\", \"{PASSWORD}\");
        let p = probe();
        if p.mlsd != true || p.mfmt != true || p.tls.explicit != false || p.tls.versions != () {{ throw p; }}
        if p.max_connections != 8 || p.zone_offset_minutes != 0 || p.features.len() < 5 {{ throw p; }}
        let q = probe(`ftp://{USER}:{PASSWORD}@127.0.0.1:${{ARGS[0]}}/`, 3);
        if q.max_connections != 3 || q.stat_list != true {{ throw q; }}
        print(\"ok\");"
    );
    let o = run(cwd.path(), &["-e", &code, &py.port.to_string()], &[]);
    assert_ok(&o);
    assert_eq!(out(&o), "ok\n");
    let o = run(cwd.path(), &["--probe", "ftp://127.0.0.1:1/"], &[]);
    assert_eq!(o.status.code(), Some(1), "{}", err(&o));
}
