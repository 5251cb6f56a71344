//! ftp-std against the fault-injection server: every misbehaviour ends in
//! a clear error of the right kind, within the configured deadline, with
//! no partial file under a final name, and the session either usable or
//! clearly closed.

use std::time::{Duration, Instant};

use ftp_std::{Error, Ftp, Options, ftp_core::ProtocolError, part_path};
use ftp_tests::{DataFault, Faults, FaultyFtpd, random_bytes};

/// Every wait is bounded by this (connect, whole reply, data).
const DEADLINE: Duration = Duration::from_millis(800);

fn options() -> Options {
    Options::default().timeout(DEADLINE)
}

fn connect(server: &FaultyFtpd) -> Result<Ftp, Error> {
    Ftp::connect("127.0.0.1", server.port, &options())
}

fn logged_in(server: &FaultyFtpd) -> Ftp {
    let mut ftp = connect(server).expect("connect");
    ftp.login("u", "p", "").expect("login");
    ftp
}

#[track_caller]
fn timed_out(e: &Error) {
    assert!(
        matches!(e, Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut),
        "expected a timeout, got {e:?}"
    );
}

#[track_caller]
fn within_deadline(start: Instant) {
    let took = start.elapsed();
    assert!(took < DEADLINE * 4, "took {took:?}");
}

#[test]
fn malformed_replies_are_protocol_errors() {
    for (welcome, want) in [
        (
            [b"220 ".as_slice(), &[b'a'; 10_000], b"\r\n"].concat(),
            ProtocolError::LineTooLong,
        ),
        (b"hello there\r\n".to_vec(), ProtocolError::BadReplyCode),
        (
            b"999 out of range\r\n".to_vec(),
            ProtocolError::BadReplyCode,
        ),
        (
            b"099 out of range\r\n".to_vec(),
            ProtocolError::BadReplyCode,
        ),
    ] {
        let server = FaultyFtpd::start(Faults {
            welcome: Some(welcome),
            ..Faults::default()
        });
        match connect(&server) {
            Err(Error::Protocol(p)) => assert_eq!(p, want),
            other => panic!("expected {want:?}, got {other:?}"),
        }
    }
}

#[test]
fn silent_trickling_and_endless_servers_hit_the_deadline() {
    for faults in [
        Faults {
            silent: true,
            ..Faults::default()
        },
        Faults {
            trickle: Some(Duration::from_millis(200)),
            ..Faults::default()
        },
        Faults {
            welcome: Some(b"220-welcome, and more to come\r\n".to_vec()),
            endless_multiline: Some(Duration::from_millis(50)),
            ..Faults::default()
        },
    ] {
        let server = FaultyFtpd::start(faults);
        let start = Instant::now();
        let e = connect(&server).unwrap_err();
        timed_out(&e);
        within_deadline(start);
    }
}

#[test]
fn odd_but_valid_replies_work() {
    // One byte per packet, LF-only line ends, non-UTF-8 text and names.
    for faults in [
        Faults {
            trickle: Some(Duration::from_millis(1)),
            ..Faults::default()
        },
        Faults {
            lf_only: true,
            welcome: Some(b"220 caf\xe9 ready\n".to_vec()),
            ..Faults::default()
        },
    ] {
        let mut options = options();
        options.reply_timeout = Some(Duration::from_secs(10));
        let server = FaultyFtpd::start(Faults {
            listing: b"caf\xe9.txt\r\nplain\r\n".to_vec(),
            file: b"content".to_vec(),
            ..faults
        });
        let mut ftp = Ftp::connect("127.0.0.1", server.port, &options).unwrap();
        assert!(ftp.getwelcome().starts_with("220 "));
        ftp.login("u", "p", "").unwrap();
        assert_eq!(ftp.nlst(None).unwrap(), ["caf\u{fffd}.txt", "plain"]);
        let mut back = Vec::new();
        ftp.retrbinary("RETR f", &mut back, None).unwrap();
        assert_eq!(back, b"content");
        assert!(ftp.quit().unwrap().starts_with("221"));
    }
}

#[test]
fn pasv_hosts_and_ports() {
    // A 227 naming another host: ignored, the data goes to the peer.
    let server = FaultyFtpd::start(Faults {
        no_epsv: true,
        pasv_host: Some([10, 9, 8, 7]),
        file: b"from the peer".to_vec(),
        ..Faults::default()
    });
    let mut ftp = logged_in(&server);
    let mut back = Vec::new();
    ftp.retrbinary("RETR f", &mut back, None).unwrap();
    assert_eq!(back, b"from the peer");
    // A 227 with a closed port: a clear I/O error, the session goes on.
    let server = FaultyFtpd::start(Faults {
        no_epsv: true,
        pasv_closed_port: true,
        ..Faults::default()
    });
    let mut ftp = logged_in(&server);
    let e = ftp.retrbinary("RETR f", &mut Vec::new(), None).unwrap_err();
    assert!(matches!(e, Error::Io(_)), "{e:?}");
    assert!(ftp.noop().unwrap().starts_with("200"));
    // A 229 with a malformed port: a protocol error, the session goes on.
    let server = FaultyFtpd::start(Faults {
        replies: vec![(
            "EPSV".into(),
            b"229 Extended Passive Mode (|||9x9|)\r\n".to_vec(),
        )],
        ..Faults::default()
    });
    let mut ftp = logged_in(&server);
    let e = ftp.nlst(None).unwrap_err();
    assert!(
        matches!(e, Error::Protocol(ProtocolError::BadEpsvReply)),
        "{e:?}"
    );
    assert!(ftp.noop().unwrap().starts_with("200"));
}

/// Downloads with the file helper; returns the error and checks that no
/// file stands under the final name.
fn failed_download(faults: Faults) -> (Error, Ftp, std::path::PathBuf, tempfile::TempDir) {
    let server = FaultyFtpd::start(faults);
    let mut ftp = logged_in(&server);
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("file.bin");
    let start = Instant::now();
    let e = ftp.download("file.bin", &local).unwrap_err();
    within_deadline(start);
    assert!(!local.exists(), "no file under the final name after {e:?}");
    (e, ftp, local, dir)
}

#[test]
fn broken_transfers_leave_no_final_file() {
    let file = random_bytes(100_000, 5);
    let with = |data| Faults {
        file: file.clone(),
        data,
        ..Faults::default()
    };
    // Cut short: fewer bytes than announced.
    let (e, mut ftp, local, _dir) = failed_download(with(DataFault::CloseEarly(30_000)));
    assert!(
        matches!(
            e,
            Error::TransferIncomplete {
                expected: 100_000,
                received: 30_000
            }
        ),
        "{e:?}"
    );
    assert_eq!(std::fs::read(part_path(&local)).unwrap(), &file[..30_000]);
    assert!(ftp.noop().is_ok(), "the session is usable");
    // 426 after a partial transfer.
    let (e, mut ftp, _, _dir) = failed_download(with(DataFault::Abort426(40_000)));
    assert!(
        matches!(&e, Error::Temporary(r) if r.code().get() == 426),
        "{e:?}"
    );
    assert!(ftp.noop().is_ok());
    // The 226 never comes.
    let (e, _, _, _dir) = failed_download(with(DataFault::NoFinalReply));
    timed_out(&e);
    // The control connection dropped mid-transfer: the session is closed.
    let (e, mut ftp, _, _dir) = failed_download(with(DataFault::DropControl(20_000)));
    assert!(
        matches!(
            e,
            Error::Io(_) | Error::ConnectionClosed | Error::TransferIncomplete { .. }
        ),
        "{e:?}"
    );
    let after = ftp.noop().unwrap_err();
    assert!(
        matches!(
            after,
            Error::Closed
                | Error::ConnectionClosed
                | Error::Io(_)
                | Error::Protocol(ProtocolError::OutOfSync)
        ),
        "{after:?}"
    );
}

#[test]
fn completion_before_preliminary_and_preliminary_without_final() {
    let server = FaultyFtpd::start(Faults {
        completion_before_preliminary: true,
        file: b"abc".to_vec(),
        ..Faults::default()
    });
    let mut ftp = logged_in(&server);
    let mut back = Vec::new();
    ftp.retrbinary("RETR f", &mut back, None).unwrap();
    assert_eq!(back, b"abc");
    // A 150 never followed by a final reply: the deadline, no hang.
    let (e, _, _, _dir) = failed_download(Faults {
        file: b"abc".to_vec(),
        data: DataFault::NoFinalReply,
        ..Faults::default()
    });
    timed_out(&e);
}

#[test]
fn logins_332_530_421() {
    let server = FaultyFtpd::start(Faults {
        replies: vec![("PASS".into(), b"332 need account\r\n".to_vec())],
        ..Faults::default()
    });
    let mut ftp = connect(&server).unwrap();
    assert!(ftp.login("u", "p", "acct").unwrap().starts_with("230"));
    assert!(String::from_utf8_lossy(&server.received()).contains("ACCT acct\r\n"));
    for (reply, code) in [
        (&b"530 Login incorrect.\r\n"[..], 530),
        (b"421 Too many users\r\n", 421),
    ] {
        let server = FaultyFtpd::start(Faults {
            replies: vec![("PASS".into(), reply.to_vec())],
            ..Faults::default()
        });
        let mut ftp = connect(&server).unwrap();
        let e = ftp.login("u", "p", "").unwrap_err();
        match (&e, code) {
            (Error::Permanent(r), 530) | (Error::Temporary(r), 421) => {
                assert_eq!(r.code().get(), code);
                assert_eq!(r.text(), &reply[..reply.len() - 2]);
            }
            _ => panic!("{code}: {e:?}"),
        }
    }
}

#[test]
fn crlf_in_a_name_never_reaches_the_wire() {
    let server = FaultyFtpd::start(Faults::default());
    let mut ftp = logged_in(&server);
    let before = server.received();
    for bad in ["a\r\nDELE b", "a\nb", "a\rb", "a\0b"] {
        let e = ftp.delete(bad).unwrap_err();
        assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
        let e = ftp
            .download(bad, tempfile::tempdir().unwrap().path().join("x"))
            .unwrap_err();
        assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
    }
    assert_eq!(server.received(), before, "nothing was sent");
    assert!(ftp.noop().unwrap().starts_with("200"));
}

/// A link planted under the `.part` name is replaced, never written
/// through, with or without resume.
#[test]
fn a_planted_part_link_is_not_followed() {
    let server = FaultyFtpd::start(Faults {
        file: b"the real file".to_vec(),
        ..Faults::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim");
    std::fs::write(&victim, b"precious").unwrap();
    let local = dir.path().join("file.bin");
    for resume in [false, true] {
        std::os::unix::fs::symlink(&victim, part_path(&local)).unwrap();
        let mut ftp = logged_in(&server);
        ftp.download_with("file.bin", &local, resume, |_| {})
            .unwrap();
        assert_eq!(std::fs::read(&local).unwrap(), b"the real file");
        assert_eq!(
            std::fs::read(&victim).unwrap(),
            b"precious",
            "resume {resume}"
        );
        std::fs::remove_file(&local).unwrap();
    }
}
