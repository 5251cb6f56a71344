//! ftp-core (through the std glue) against a real pyftpdlib server:
//! logins, directory commands, listings, transfers in both directions and
//! both modes, resume, and the server's errors.

use ftp_core::doc_support::source;
use ftp_core::mlsd::EntryKind;
use ftp_core::{Error, TransferType};
use ftp_std::Session;
use ftp_tests::{PASSWORD, PyFtpd, USER, have_ipv6, random_bytes, retr, stor};

fn login(server: &PyFtpd) -> Session {
    let mut ftp = ftp_tests::connect_core(&server.addr());
    ftp.login(USER, PASSWORD, "").expect("login");
    ftp
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib (the README's test command runs it)"
)]
fn anonymous_session_reads_and_cannot_write() {
    let server = PyFtpd::start("127.0.0.1");
    std::fs::create_dir(server.path("debian")).unwrap();
    let readme = random_bytes(1063, 1);
    std::fs::write(server.path("debian/README"), &readme).unwrap();

    let mut ftp = ftp_tests::connect_core(&server.addr());
    assert_eq!(ftp.getwelcome(), b"220 pyftpdlib ready.");
    assert_eq!(ftp.login("", "", "").unwrap().code().get(), 230);
    assert_eq!(ftp.pwd().unwrap(), b"/");
    ftp.cwd("debian").unwrap();
    assert_eq!(ftp.pwd().unwrap(), b"/debian");
    let listing = ftp.dir_vec("").unwrap();
    assert_eq!(listing.len(), 1);
    let entry = ftp_core::list::parse_list_line(&listing[0])
        .unwrap()
        .unwrap();
    assert_eq!((entry.name, entry.size), (&b"README"[..], Some(1063)));
    assert_eq!(ftp.nlst_vec("").unwrap(), [b"README"]);
    assert_eq!(retr(&mut ftp, "README", None).unwrap(), readme);
    assert_eq!(ftp.size("README").unwrap(), Some(1063));
    ftp.mdtm("README").unwrap();

    let e = retr(&mut ftp, "missing", None).unwrap_err();
    assert!(
        matches!(&e, Error::Permanent(r) if r.code().get() == 550),
        "{e}"
    );
    let e = stor(&mut ftp, "x", b"nope", None).unwrap_err();
    assert!(
        matches!(&e, Error::Permanent(r) if r.code().get() == 550),
        "{e}"
    );
    assert!(!server.path("debian/x").exists());
    ftp.cwd("..").unwrap();
    assert_eq!(ftp.pwd().unwrap(), b"/");
    assert_eq!(ftp.quit().unwrap().code().get(), 221);
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib (the README's test command runs it)"
)]
fn wrong_password_is_a_permanent_error_with_the_server_text() {
    let server = PyFtpd::start("127.0.0.1");
    let mut ftp = ftp_tests::connect_core(&server.addr());
    let e = ftp.login(USER, "wrong", "").unwrap_err();
    assert_eq!(e.code(), Some(530));
    assert!(
        e.to_string().starts_with("530 Authentication failed"),
        "{e}"
    );
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib (the README's test command runs it)"
)]
fn directory_commands() {
    let server = PyFtpd::start("127.0.0.1");
    let mut ftp = login(&server);
    assert_eq!(ftp.mkd("new dir").unwrap(), b"/new dir");
    assert!(server.path("new dir").is_dir());
    ftp.cwd("new dir").unwrap();
    stor(&mut ftp, "a file.txt", b"hello", None).unwrap();
    ftp.rename("a file.txt", "b.txt").unwrap();
    assert_eq!(
        std::fs::read(server.path("new dir/b.txt")).unwrap(),
        b"hello"
    );
    let e = ftp.rename("nothing", "c").unwrap_err();
    assert_eq!(e.code(), Some(550));
    ftp.delete("b.txt").unwrap();
    assert!(!server.path("new dir/b.txt").exists());
    assert_eq!(ftp.delete("b.txt").unwrap_err().code(), Some(550));
    ftp.cdup().unwrap();
    ftp.rmd("new dir").unwrap();
    assert!(!server.path("new dir").exists());
    assert_eq!(ftp.cwd("new dir").unwrap_err().code(), Some(550));
    assert!(ftp.syst().unwrap().text().starts_with(b"215"));
    let mut features = Vec::new();
    ftp.feat(|f| features.push(String::from_utf8_lossy(f).into_owned()))
        .unwrap();
    assert!(
        features.iter().any(|f| f.starts_with("MLST ")),
        "{features:?}"
    );
    assert!(features.iter().any(|f| f == "EPSV"), "{features:?}");
    ftp.noop().unwrap();
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib (the README's test command runs it)"
)]
fn mlsd_and_mlst() {
    let server = PyFtpd::start("127.0.0.1");
    std::fs::create_dir(server.path("sub")).unwrap();
    std::fs::write(server.path("with space.bin"), [7u8; 300]).unwrap();
    std::fs::write(server.path("caf\u{e9}.txt"), b"x").unwrap();
    let mut ftp = login(&server);
    let mut entries = ftp.mlsd_vec("").unwrap();
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    let names: Vec<_> = entries.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["caf\u{e9}.txt", "sub", "with space.bin"]);
    assert_eq!(entries[2].fact("size"), Some("300"));
    assert_eq!(entries[2].fact("type"), Some("file"));
    assert_eq!(entries[1].fact("type"), Some("dir"));
    let mut buf = [0u8; 1024];
    let mut kinds = Vec::new();
    ftp.mlsd("", &["type", "size"], &mut buf, |e| {
        kinds.push((e.name.to_vec(), e.kind() == EntryKind::Dir, e.size()));
        Ok(())
    })
    .unwrap();
    assert!(kinds.contains(&(b"with space.bin".to_vec(), false, Some(300))));
    let e = ftp.mlst("with space.bin").unwrap();
    assert_eq!(e.size(), Some(300));
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib (the README's test command runs it)"
)]
fn transfers_both_ways_byte_identical() {
    let server = PyFtpd::start("127.0.0.1");
    let mut ftp = login(&server);
    for (name, len) in [("empty", 0usize), ("small", 1000), ("large", 8 << 20)] {
        let data = random_bytes(len, len as u64 + 7);
        stor(&mut ftp, name, &data, None).unwrap();
        assert_eq!(
            std::fs::read(server.path(name)).unwrap(),
            data,
            "{name} on the server"
        );
        assert_eq!(
            retr(&mut ftp, name, None).unwrap(),
            data,
            "{name} downloaded"
        );
        assert_eq!(ftp.size(name).unwrap(), Some(len as u64));
    }
    // APPE adds to the end.
    let mut buf = [0u8; 64];
    ftp.appe("small", &mut buf, source(b"+tail")).unwrap();
    assert!(
        std::fs::read(server.path("small"))
            .unwrap()
            .ends_with(b"+tail")
    );
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib (the README's test command runs it)"
)]
fn resume_with_rest_both_ways() {
    let server = PyFtpd::start("127.0.0.1");
    let data = random_bytes(300_000, 42);
    std::fs::write(server.path("f.bin"), &data).unwrap();
    let mut ftp = login(&server);
    // A download interrupted at 123456 bytes continues from there.
    assert_eq!(
        retr(&mut ftp, "f.bin", Some(123_456)).unwrap(),
        &data[123_456..]
    );
    // An upload interrupted at 100000 bytes continues from there.
    std::fs::write(server.path("up.bin"), &data[..100_000]).unwrap();
    stor(&mut ftp, "up.bin", &data[100_000..], Some(100_000)).unwrap();
    assert_eq!(std::fs::read(server.path("up.bin")).unwrap(), data);
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib (the README's test command runs it)"
)]
fn active_mode_transfers_and_listings() {
    let server = PyFtpd::start("127.0.0.1");
    let data = random_bytes(200_000, 5);
    let mut ftp = login(&server);
    ftp.set_pasv(false);
    stor(&mut ftp, "act.bin", &data, None).unwrap();
    assert_eq!(retr(&mut ftp, "act.bin", None).unwrap(), data);
    assert_eq!(ftp.nlst_vec("").unwrap(), [b"act.bin"]);
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib (the README's test command runs it)"
)]
fn text_mode_converts_line_ends() {
    let server = PyFtpd::start("127.0.0.1");
    let mut ftp = login(&server);
    let text = b"line one\nline two\r\nlast";
    let mut buf = [0u8; 12];
    ftp.storlines("STOR t.txt", &mut buf, source(text), |_| {})
        .unwrap();
    // pyftpdlib stores ASCII uploads with the server's line ends (LF).
    assert_eq!(
        std::fs::read(server.path("t.txt")).unwrap(),
        b"line one\nline two\nlast\n"
    );
    let mut lines = Vec::new();
    let mut buf = [0u8; 64];
    ftp.retrlines("RETR t.txt", &mut buf, |l| {
        lines.push(String::from_utf8_lossy(l).into_owned());
        Ok(())
    })
    .unwrap();
    assert_eq!(lines, ["line one", "line two", "last"]);
    // Back to binary for the next download, sent once.
    ftp.set_type(TransferType::Binary).unwrap();
    assert_eq!(
        retr(&mut ftp, "t.txt", None).unwrap(),
        b"line one\nline two\nlast\n"
    );
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib (the README's test command runs it)"
)]
fn transfercmd_then_abort_keeps_the_session_in_step() {
    let server = PyFtpd::start("127.0.0.1");
    std::fs::write(server.path("big"), random_bytes(32 << 20, 9)).unwrap();
    let mut ftp = login(&server);
    ftp.set_type(TransferType::Binary).unwrap();
    let (stream, size) = ftp.ntransfercmd("RETR big", None).unwrap();
    // pyftpdlib's 150 reply does not announce the size.
    assert!(size.is_none_or(|s| s == 32 << 20));
    let reply = ftp.abort().unwrap();
    assert!([225, 226, 426].contains(&reply.code().get()));
    drop(stream);
    // The next command gets its own reply.
    assert_eq!(ftp.pwd().unwrap(), b"/");
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib (the README's test command runs it)"
)]
fn ipv6_with_epsv() {
    assert!(
        have_ipv6(),
        "this machine cannot listen on ::1: the IPv6 tests need it (enable IPv6 on lo)"
    );
    let server = PyFtpd::start("::1");
    let data = random_bytes(50_000, 3);
    let mut ftp = login(&server);
    assert!(ftp.peer_addr().is_ipv6());
    stor(&mut ftp, "v6.bin", &data, None).unwrap();
    assert_eq!(retr(&mut ftp, "v6.bin", None).unwrap(), data);
    ftp.set_pasv(false);
    assert_eq!(retr(&mut ftp, "v6.bin", None).unwrap(), data);
}
