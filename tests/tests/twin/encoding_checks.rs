// Names in any encoding, written once for both sessions (each twin module
// gives `Ftp`, `mirror`, `mirror_up`, `Connect`, `bisync`,
// `connector_with` and `run`).

// `run(check())`: in the blocking twin the check has run and `run` gets
// its `()`.
#![allow(clippy::unit_arg)]

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ftp_std::encoding::shown;
use ftp_std::{Encoding, Error, MirrorOptions, Options};
use ftp_tests::{PASSWORD, PyFtpd, USER, VSFTPD_USER, Vsftpd};

use super::{Connect as _, Ftp, bisync, connector_with, mirror, mirror_up, run};

/// "café.txt" in Latin-1.
const CAFE: &[u8] = b"caf\xe9.txt";
/// "déjà" in Latin-1, a directory holding "über".
const DEJA: &[u8] = b"d\xe9j\xe0";
const UBER: &[u8] = b"\xfcber";
/// "Журнал.log" in CP1251.
const JOURNAL: &[u8] = b"\xc6\xf3\xf0\xed\xe0\xeb.log";

fn at(root: &Path, name: &[u8]) -> PathBuf {
    root.join(OsStr::from_bytes(name))
}

/// The names in a directory, as bytes, sorted.
fn names_in(dir: &Path) -> Vec<Vec<u8>> {
    let mut names: Vec<Vec<u8>> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().as_bytes().to_vec())
        .collect();
    names.sort();
    names
}

/// Every file under `root` (path bytes, contents), sorted.
fn files_under(root: &Path) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        for entry in std::fs::read_dir(root.join(&rel)).unwrap() {
            let entry = entry.unwrap();
            let path = rel.join(entry.file_name());
            if entry.file_type().unwrap().is_dir() {
                stack.push(path);
            } else {
                let data = std::fs::read(entry.path()).unwrap();
                out.push((path.as_os_str().as_bytes().to_vec(), data));
            }
        }
    }
    out.sort();
    out
}

/// A root holding a Latin-1 file, a Latin-1 directory with a file, a
/// CP1251 file and a plain one; readable by every server's user.
fn legacy_tree(root: &Path, cp1251: bool) {
    std::fs::write(at(root, CAFE), b"latin one").unwrap();
    std::fs::create_dir(at(root, DEJA)).unwrap();
    std::fs::write(at(&at(root, DEJA), UBER), b"inner").unwrap();
    if cp1251 {
        std::fs::write(at(root, JOURNAL), b"cyrillic").unwrap();
    }
    std::fs::write(root.join("plain.txt"), b"plain").unwrap();
    for path in [at(root, CAFE), at(root, DEJA), root.join("plain.txt")] {
        use std::os::unix::fs::PermissionsExt;
        let mode = if path.is_dir() { 0o755 } else { 0o644 };
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
    }
}

fn options(encoding: &str) -> Options {
    Options::default()
        .timeout(Duration::from_secs(20))
        .encoding(encoding.parse().unwrap())
}

#[bisync]
async fn session(port: u16, encoding: &str) -> Ftp {
    let mut ftp = Ftp::connect("127.0.0.1", port, &options(encoding))
        .await
        .unwrap();
    ftp.login(USER, PASSWORD, "").await.unwrap();
    ftp
}

#[bisync]
async fn download(ftp: &mut Ftp, name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    ftp.retrbinary(&format!("RETR {name}"), &mut out, None)
        .await
        .unwrap();
    out
}

#[bisync]
async fn upload(ftp: &mut Ftp, name: &str, data: &[u8]) {
    let mut input = data;
    ftp.storbinary(&format!("STOR {name}"), &mut input, None)
        .await
        .unwrap();
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

#[bisync]
async fn latin1_names() {
    let server = PyFtpd::start_raw_names("127.0.0.1");
    let root = server.root.path();
    legacy_tree(root, false);
    let mut ftp = session(server.port, "latin-1").await;
    assert_eq!(ftp.encoding().name(), "latin-1");
    assert_eq!(
        sorted(ftp.nlst(None).await.unwrap()),
        ["café.txt", "déjà", "plain.txt"]
    );
    let entries = ftp.mlsd(None, &[]).await.unwrap();
    let cafe = entries.iter().find(|e| e.name == "café.txt").unwrap();
    assert_eq!(cafe.name_bytes, CAFE);
    assert_eq!(cafe.fact("size"), Some("9"));
    let lines = ftp.dir(None).await.unwrap();
    assert!(lines.iter().any(|l| l.ends_with(" déjà")), "{lines:?}");
    assert_eq!(download(&mut ftp, "café.txt").await, b"latin one");

    // A directory: its name in CWD, PWD's reply and a listing inside.
    ftp.cwd("déjà").await.unwrap();
    assert_eq!(ftp.pwd().await.unwrap(), "/déjà");
    assert_eq!(ftp.nlst(None).await.unwrap(), ["über"]);
    assert_eq!(download(&mut ftp, "über").await, b"inner");
    ftp.cwd("/").await.unwrap();

    // Writes land under the Latin-1 bytes.
    ftp.rename("café.txt", "thé.txt").await.unwrap();
    upload(&mut ftp, "résumé.txt", b"cv").await;
    assert_eq!(ftp.mkd("naïf").await.unwrap(), "/naïf");
    assert_eq!(ftp.size("résumé.txt").await.unwrap(), Some(2));
    assert_eq!(
        names_in(root),
        [
            &b"d\xe9j\xe0"[..],
            b"na\xeff",
            b"plain.txt",
            b"r\xe9sum\xe9.txt",
            b"th\xe9.txt"
        ]
    );
    assert_eq!(std::fs::read(at(root, b"r\xe9sum\xe9.txt")).unwrap(), b"cv");
    ftp.delete("thé.txt").await.unwrap();
    ftp.rmd("naïf").await.unwrap();
    assert!(!at(root, b"th\xe9.txt").exists() && !at(root, b"na\xeff").exists());

    // What Latin-1 cannot hold is refused before anything is sent.
    match ftp.delete("Жук.txt").await {
        Err(Error::Unencodable { encoding, text }) => {
            assert_eq!((encoding, text.as_str()), ("latin-1", "Жук.txt"))
        }
        other => panic!("{other:?}"),
    }
    assert!(ftp.noop().await.unwrap().starts_with("200"));
    ftp.quit().await.unwrap();
}

#[bisync]
async fn cp1251_names() {
    let server = PyFtpd::start_raw_names("127.0.0.1");
    let root = server.root.path();
    legacy_tree(root, true);
    // ftplib's spelling and the WHATWG label name the same encoding.
    for label in ["cp1251", "windows-1251"] {
        let mut ftp = session(server.port, label).await;
        let names = ftp.nlst(None).await.unwrap();
        assert!(names.contains(&"Журнал.log".to_string()), "{names:?}");
        assert_eq!(download(&mut ftp, "Журнал.log").await, b"cyrillic");
        ftp.quit().await.unwrap();
    }
    let mut ftp = session(server.port, "cp1251").await;
    ftp.rename("Журнал.log", "Отчёт.log").await.unwrap();
    // "Отчёт.log" in CP1251.
    let report = b"\xce\xf2\xf7\xb8\xf2.log";
    assert_eq!(std::fs::read(at(root, report)).unwrap(), b"cyrillic");
    assert!(!at(root, JOURNAL).exists());
    upload(&mut ftp, "Май.txt", b"may").await;
    assert_eq!(
        std::fs::read(at(root, b"\xcc\xe0\xe9.txt")).unwrap(),
        b"may"
    );
    ftp.delete("Отчёт.log").await.unwrap();
    ftp.delete("Май.txt").await.unwrap();
    assert!(!at(root, report).exists() && !at(root, b"\xcc\xe0\xe9.txt").exists());
    ftp.quit().await.unwrap();
}

/// Under UTF-8 (the default) the same names cannot be decoded: they are
/// kept as escapes, and given back unchanged they name the same files.
#[bisync]
async fn undecodable_names_round_trip() {
    let server = PyFtpd::start_raw_names("127.0.0.1");
    let root = server.root.path();
    legacy_tree(root, true);
    let mut ftp = session(server.port, "utf-8").await;
    let names = sorted(ftp.nlst(None).await.unwrap());
    let shown_names: Vec<String> = names.iter().map(|n| shown(n).into_owned()).collect();
    assert_eq!(
        shown_names,
        [
            "caf\\xe9.txt",
            "d\\xe9j\\xe0",
            "plain.txt",
            "\\xc6\\xf3\\xf0\\xed\\xe0\\xeb.log"
        ]
    );
    let (cafe, deja, journal) = (&names[0], &names[1], &names[3]);
    assert_eq!(download(&mut ftp, cafe).await, b"latin one");
    let entries = ftp.mlsd(None, &[]).await.unwrap();
    assert!(
        entries
            .iter()
            .any(|e| &e.name == cafe && e.name_bytes == CAFE)
    );

    ftp.cwd(deja).await.unwrap();
    assert_eq!(&ftp.pwd().await.unwrap(), &format!("/{deja}"));
    let inner = ftp.nlst(None).await.unwrap();
    assert_eq!(download(&mut ftp, &inner[0]).await, b"inner");
    ftp.cwd("..").await.unwrap();

    // Renamed away and back: the bytes come back exactly.
    ftp.rename(cafe, "renamed.txt").await.unwrap();
    assert!(!at(root, CAFE).exists() && root.join("renamed.txt").exists());
    ftp.rename("renamed.txt", cafe).await.unwrap();
    assert_eq!(std::fs::read(at(root, CAFE)).unwrap(), b"latin one");
    // A command line holding one: sendcmd encodes the escapes too.
    let reply = ftp.sendcmd(&format!("SIZE {journal}")).await.unwrap();
    assert_eq!(reply.to_string(), "213 8");
    ftp.delete(journal).await.unwrap();
    assert!(!at(root, JOURNAL).exists());
    ftp.quit().await.unwrap();
}

/// Down: each name under the right encoding becomes its local name; under
/// UTF-8 the Latin-1 names are reported, not skipped in silence, and the
/// rest is mirrored. MLSD (pyftpdlib) and LIST (vsftpd).
#[bisync]
async fn mirror_down() {
    let py = PyFtpd::start_raw_names("127.0.0.1");
    legacy_tree(py.root.path(), false);
    let vs = Vsftpd::start();
    legacy_tree(vs.root.path(), false);
    for (port, user) in [(py.port, USER), (vs.port, VSFTPD_USER)] {
        let work = tempfile::tempdir().unwrap();
        let local = work.path().join("copy");
        let connect = connector_with(port, user, PASSWORD, options("latin-1"));
        let mut session = Some(connect.connect().await.unwrap());
        let s = mirror(
            &mut session,
            &connect,
            "/",
            &local,
            &MirrorOptions::default(),
            &|_| {},
        )
        .await
        .unwrap();
        assert!(s.failed.is_empty() && s.refused.is_empty(), "{s:?}");
        assert_eq!(
            files_under(&local),
            [
                ("café.txt".as_bytes().to_vec(), b"latin one".to_vec()),
                ("déjà/über".as_bytes().to_vec(), b"inner".to_vec()),
                (b"plain.txt".to_vec(), b"plain".to_vec()),
            ],
            "port {port}"
        );

        let local = work.path().join("utf8");
        let connect = connector_with(port, user, PASSWORD, options("utf-8"));
        let mut session = Some(connect.connect().await.unwrap());
        let s = mirror(
            &mut session,
            &connect,
            "/",
            &local,
            &MirrorOptions::default(),
            &|_| {},
        )
        .await
        .unwrap();
        assert!(s.failed.is_empty(), "{s:?}");
        let mut refused: Vec<&str> = s.refused.iter().map(|p| p.path.as_str()).collect();
        refused.sort();
        assert_eq!(refused, ["caf\\xe9.txt", "d\\xe9j\\xe0"], "{s:?}");
        assert!(
            s.refused.iter().all(|p| p.message.contains("not utf-8")),
            "{:?}",
            s.refused
        );
        assert_eq!(
            files_under(&local),
            [(b"plain.txt".to_vec(), b"plain".to_vec())]
        );
    }
}

/// Up: local names become the server's bytes in its encoding; a name the
/// encoding cannot hold is reported; a second run sends nothing; and
/// down again under the same encoding gives the same tree.
#[bisync]
async fn mirror_both_ways() {
    for (encoding, name, wire) in [
        ("latin-1", "été/ça.txt", &b"\xe9t\xe9/\xe7a.txt"[..]),
        // ftplib's spelling; the messages give the WHATWG name.
        (
            "cp1251",
            "Отчёты/Май.txt",
            b"\xce\xf2\xf7\xb8\xf2\xfb/\xcc\xe0\xe9.txt",
        ),
    ] {
        let server = PyFtpd::start_raw_names("127.0.0.1");
        let work = tempfile::tempdir().unwrap();
        let source = work.path().join("source");
        std::fs::create_dir_all(source.join(name).parent().unwrap()).unwrap();
        std::fs::write(source.join(name), b"report").unwrap();
        std::fs::write(source.join("plain"), b"p").unwrap();
        // Neither encoding holds this one.
        std::fs::write(source.join("日本.txt"), b"jp").unwrap();
        let connect = connector_with(server.port, USER, PASSWORD, options(encoding));
        let mut session = Some(connect.connect().await.unwrap());
        let opts = MirrorOptions::default().only_newer(true);
        let s = mirror_up(&mut session, &connect, &source, "/", &opts, &|_| {})
            .await
            .unwrap();
        assert!(s.failed.is_empty(), "{s:?}");
        assert_eq!(s.files, 2, "{s:?}");
        assert_eq!(s.refused.len(), 1, "{s:?}");
        assert_eq!(s.refused[0].path, "日本.txt");
        let canonical = encoding.parse::<Encoding>().unwrap().name();
        assert!(s.refused[0].message.contains(canonical), "{:?}", s.refused);
        assert_eq!(
            files_under(server.root.path()),
            [
                (b"plain".to_vec(), b"p".to_vec()),
                (wire.to_vec(), b"report".to_vec())
            ]
        );
        let again = mirror_up(&mut session, &connect, &source, "/", &opts, &|_| {})
            .await
            .unwrap();
        assert_eq!(again.files, 0, "{encoding}: {again:?}");

        let back = work.path().join("back");
        let s = mirror(&mut session, &connect, "/", &back, &opts, &|_| {})
            .await
            .unwrap();
        assert!(s.failed.is_empty() && s.refused.is_empty(), "{s:?}");
        assert_eq!(
            files_under(&back),
            [
                (b"plain".to_vec(), b"p".to_vec()),
                (name.as_bytes().to_vec(), b"report".to_vec()),
            ]
        );
    }
}

/// ftplib's spellings, WHATWG labels, and a clear refusal.
#[test]
fn labels() {
    let e: Encoding = "ISO-8859-1".parse().unwrap();
    assert_eq!(e, Encoding::LATIN_1);
    let bad = "utf-16".parse::<Encoding>().unwrap_err().to_string();
    assert!(bad.contains("cannot carry FTP commands"), "{bad}");
}

macro_rules! interop {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            #[cfg_attr(
                not(feature = "interop"),
                ignore = "needs pyftpdlib and vsftpd (the README's test command runs it)"
            )]
            fn $name() {
                run(super::$name());
            }
        )*
    };
}

mod against_servers {
    use super::run;
    interop!(
        latin1_names,
        cp1251_names,
        undecodable_names_round_trip,
        mirror_down,
        mirror_both_ways
    );
}
