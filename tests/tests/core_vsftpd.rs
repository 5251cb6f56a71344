//! ftp-core (through the std glue) against a real vsftpd 3: its reply
//! shapes (sizes in 150, multi-line FEAT), PAM logins, transfers both ways
//! in passive and active mode, resume, and its errors.

use ftp_core::Error;
use ftp_std::Session;
use ftp_tests::{PASSWORD, VSFTPD_USER, Vsftpd, random_bytes, retr, stor};

fn login(server: &Vsftpd) -> Session {
    let mut ftp = ftp_tests::connect_core(&server.addr());
    ftp.login(VSFTPD_USER, PASSWORD, "").expect("login");
    ftp
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs vsftpd and root (the README's test command runs it)"
)]
fn anonymous_sample_session() {
    let server = Vsftpd::start();
    std::fs::create_dir(server.path("debian")).unwrap();
    let readme = random_bytes(1063, 11);
    server.put("debian/README", &readme);
    let mut ftp = ftp_tests::connect_core(&server.addr());
    assert!(ftp.getwelcome().starts_with(b"220 "));
    assert_eq!(
        ftp.login("", "", "").unwrap().text(),
        b"230 Login successful."
    );
    ftp.cwd("debian").unwrap();
    let lines = ftp.dir_vec("").unwrap();
    let e = ftp_core::list::parse_list_line(&lines[0]).unwrap().unwrap();
    assert_eq!((e.name, e.size), (&b"README"[..], Some(1063)));
    assert_eq!(retr(&mut ftp, "README", None).unwrap(), readme);
    let e = retr(&mut ftp, "nothing", None).unwrap_err();
    assert!(
        matches!(&e, Error::Permanent(r) if r.text() == b"550 Failed to open file."),
        "{e}"
    );
    assert_eq!(ftp.quit().unwrap().text(), b"221 Goodbye.");
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs vsftpd and root (the README's test command runs it)"
)]
fn wrong_password() {
    let server = Vsftpd::start();
    let mut ftp = ftp_tests::connect_core(&server.addr());
    let e = ftp.login(VSFTPD_USER, "wrong", "").unwrap_err();
    assert!(
        matches!(&e, Error::Permanent(r) if r.text() == b"530 Login incorrect."),
        "{e}"
    );
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs vsftpd and root (the README's test command runs it)"
)]
fn user_transfers_commands_and_resume() {
    let server = Vsftpd::start();
    let mut ftp = login(&server);
    let mut features = Vec::new();
    ftp.feat(|f| features.push(String::from_utf8_lossy(f).into_owned()))
        .unwrap();
    assert!(features.contains(&"EPSV".to_string()), "{features:?}");
    for (name, len) in [("empty", 0usize), ("small", 4096), ("large", 16 << 20)] {
        let data = random_bytes(len, len as u64 + 1);
        stor(&mut ftp, name, &data, None).unwrap();
        assert_eq!(
            std::fs::read(server.path(name)).unwrap(),
            data,
            "{name} uploaded"
        );
        assert_eq!(
            retr(&mut ftp, name, None).unwrap(),
            data,
            "{name} downloaded"
        );
        assert_eq!(ftp.size(name).unwrap(), Some(len as u64));
    }
    let data = std::fs::read(server.path("large")).unwrap();
    assert_eq!(
        retr(&mut ftp, "large", Some(5_000_000)).unwrap(),
        &data[5_000_000..]
    );
    // An upload cut at 1 MB, resumed from there.
    stor(&mut ftp, "part", &data[..1_000_000], None).unwrap();
    stor(&mut ftp, "part", &data[1_000_000..], Some(1_000_000)).unwrap();
    assert_eq!(std::fs::read(server.path("part")).unwrap(), data);
    ftp.mdtm("large").unwrap();
    // The user is chrooted to the served root.
    assert_eq!(ftp.mkd("d e").unwrap(), b"/d e");
    ftp.rename("small", "d e/moved").unwrap();
    ftp.delete("d e/moved").unwrap();
    ftp.rmd("d e").unwrap();
    assert_eq!(ftp.rmd("d e").unwrap_err().code(), Some(550));
    ftp.set_pasv(false);
    assert_eq!(retr(&mut ftp, "empty", None).unwrap(), b"");
    stor(&mut ftp, "active", b"active mode", None).unwrap();
    let mut names = ftp.nlst_vec("").unwrap();
    names.sort();
    assert_eq!(names, [b"active".as_slice(), b"empty", b"large", b"part"]);
}
