// Written once for the blocking `ftp_std::Ftp` and the tokio
// `ftp_std::tokio::Ftp` (each twin module gives `Ftp`, `bisync`, `run`
// and its helpers).

// `run(check())`: in the blocking twin the check has run and `run` gets
// its `()`.
#![allow(clippy::unit_arg)]

use std::time::{Duration, Instant};

use ftp_std::{Error, Options, ftp_core::ProtocolError, part_path};
use ftp_tests::{DataFault, Faults, FaultyFtpd, random_bytes};

use super::{Ftp, bisync, control_socket, data_socket, run, twin_test};

/// Every wait is bounded by this (connect, whole reply, data).
const DEADLINE: Duration = Duration::from_millis(800);

fn options() -> Options {
    Options::default().timeout(DEADLINE)
}

#[bisync]
async fn connect(server: &FaultyFtpd) -> Result<Ftp, Error> {
    Ftp::connect("127.0.0.1", server.port, &options()).await
}

#[bisync]
async fn logged_in(server: &FaultyFtpd) -> Ftp {
    let mut ftp = connect(server).await.expect("connect");
    ftp.login("u", "p", "").await.expect("login");
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

#[twin_test(run)]
async fn malformed_replies_are_protocol_errors() {
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
        match connect(&server).await {
            Err(Error::Protocol(p)) => assert_eq!(p, want),
            other => panic!("expected {want:?}, got {other:?}"),
        }
    }
}

#[twin_test(run)]
async fn silent_trickling_and_endless_servers_hit_the_deadline() {
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
        let e = connect(&server).await.unwrap_err();
        timed_out(&e);
        within_deadline(start);
    }
}

#[twin_test(run)]
async fn odd_but_valid_replies_work() {
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
        let mut ftp = Ftp::connect("127.0.0.1", server.port, &options)
            .await
            .unwrap();
        assert!(ftp.getwelcome().starts_with("220 "));
        ftp.login("u", "p", "").await.unwrap();
        // A Latin-1 name under UTF-8: kept, its odd byte escaped.
        let names = ftp.nlst(None).await.unwrap();
        assert_eq!(names, ["caf\u{f7e9}.txt", "plain"]);
        assert_eq!(ftp_std::encoding::shown(&names[0]), "caf\\xe9.txt");
        let mut back = Vec::new();
        ftp.retrbinary("RETR f", &mut back, None).await.unwrap();
        assert_eq!(back, b"content");
        assert!(ftp.quit().await.unwrap().starts_with("221"));
    }
}

#[twin_test(run)]
async fn pasv_hosts_and_ports() {
    // A 227 naming another host: ignored, the data goes to the peer.
    let server = FaultyFtpd::start(Faults {
        no_epsv: true,
        pasv_host: Some([10, 9, 8, 7]),
        file: b"from the peer".to_vec(),
        ..Faults::default()
    });
    let mut ftp = logged_in(&server).await;
    let mut back = Vec::new();
    ftp.retrbinary("RETR f", &mut back, None).await.unwrap();
    assert_eq!(back, b"from the peer");
    // A 227 with a closed port: a clear I/O error, the session goes on.
    let server = FaultyFtpd::start(Faults {
        no_epsv: true,
        pasv_closed_port: true,
        ..Faults::default()
    });
    let mut ftp = logged_in(&server).await;
    let e = ftp
        .retrbinary("RETR f", &mut Vec::new(), None)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Io(_)), "{e:?}");
    assert!(ftp.noop().await.unwrap().starts_with("200"));
    // A 229 naming no usable port (malformed, 0, above 65535): an EPSV
    // failure like any other, PASV from then on.
    for port in ["9x9", "0", "1000000"] {
        let server = FaultyFtpd::start(Faults {
            replies: vec![(
                "EPSV".into(),
                format!("229 Extended Passive Mode (|||{port}|)\r\n").into_bytes(),
            )],
            listing: b"a\r\nb\r\n".to_vec(),
            file: b"over PASV".to_vec(),
            ..Faults::default()
        });
        let mut ftp = logged_in(&server).await;
        assert_eq!(ftp.nlst(None).await.unwrap(), ["a", "b"], "port {port}");
        let mut back = Vec::new();
        ftp.retrbinary("RETR f", &mut back, None).await.unwrap();
        assert_eq!(back, b"over PASV");
        assert!(ftp.noop().await.unwrap().starts_with("200"));
        let sent = String::from_utf8_lossy(&server.received()).into_owned();
        assert_eq!(sent.matches("EPSV").count(), 1, "remembered: {sent}");
        assert!(
            sent.contains("PASV\r\nNLST") && sent.contains("PASV\r\nRETR"),
            "{sent}"
        );
    }
}

/// Downloads with the file helper; returns the error and checks that no
/// file stands under the final name.
#[bisync]
async fn failed_download(faults: Faults) -> (Error, Ftp, std::path::PathBuf, tempfile::TempDir) {
    let server = FaultyFtpd::start(faults);
    let mut ftp = logged_in(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("file.bin");
    let start = Instant::now();
    let e = ftp.download("file.bin", &local).await.unwrap_err();
    within_deadline(start);
    assert!(!local.exists(), "no file under the final name after {e:?}");
    (e, ftp, local, dir)
}

#[twin_test(run)]
async fn broken_transfers_leave_no_final_file() {
    let file = random_bytes(100_000, 5);
    let with = |data| Faults {
        file: file.clone(),
        data,
        ..Faults::default()
    };
    // Cut short: fewer bytes than announced.
    let (e, mut ftp, local, _dir) = failed_download(with(DataFault::CloseEarly(30_000))).await;
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
    assert!(ftp.noop().await.is_ok(), "the session is usable");
    // 426 after a partial transfer.
    let (e, mut ftp, _, _dir) = failed_download(with(DataFault::Abort426(40_000))).await;
    assert!(
        matches!(&e, Error::Temporary(r) if r.code().get() == 426),
        "{e:?}"
    );
    assert!(ftp.noop().await.is_ok());
    // The 226 never comes.
    let (e, _, _, _dir) = failed_download(with(DataFault::NoFinalReply)).await;
    timed_out(&e);
    // The control connection dropped mid-transfer: the session is closed.
    let (e, mut ftp, _, _dir) = failed_download(with(DataFault::DropControl(20_000))).await;
    assert!(
        matches!(
            e,
            Error::Io(_) | Error::ConnectionClosed | Error::TransferIncomplete { .. }
        ),
        "{e:?}"
    );
    let after = ftp.noop().await.unwrap_err();
    assert!(
        matches!(
            after,
            Error::SessionClosed
                | Error::ConnectionClosed
                | Error::Io(_)
                | Error::Protocol(ProtocolError::OutOfSync)
        ),
        "{after:?}"
    );
}

#[twin_test(run)]
async fn completion_before_preliminary_and_preliminary_without_final() {
    let server = FaultyFtpd::start(Faults {
        completion_before_preliminary: true,
        file: b"abc".to_vec(),
        ..Faults::default()
    });
    let mut ftp = logged_in(&server).await;
    let mut back = Vec::new();
    ftp.retrbinary("RETR f", &mut back, None).await.unwrap();
    assert_eq!(back, b"abc");
    // A 150 never followed by a final reply: the deadline, no hang.
    let (e, _, _, _dir) = failed_download(Faults {
        file: b"abc".to_vec(),
        data: DataFault::NoFinalReply,
        ..Faults::default()
    })
    .await;
    timed_out(&e);
}

#[twin_test(run)]
async fn logins_332_530_421() {
    let server = FaultyFtpd::start(Faults {
        replies: vec![("PASS".into(), b"332 need account\r\n".to_vec())],
        ..Faults::default()
    });
    let mut ftp = connect(&server).await.unwrap();
    assert!(
        ftp.login("u", "p", "acct")
            .await
            .unwrap()
            .starts_with("230")
    );
    assert!(String::from_utf8_lossy(&server.received()).contains("ACCT acct\r\n"));
    for (reply, code) in [
        (&b"530 Login incorrect.\r\n"[..], 530),
        (b"421 Too many users\r\n", 421),
    ] {
        let server = FaultyFtpd::start(Faults {
            replies: vec![("PASS".into(), reply.to_vec())],
            ..Faults::default()
        });
        let mut ftp = connect(&server).await.unwrap();
        let e = ftp.login("u", "p", "").await.unwrap_err();
        match (&e, code) {
            (Error::Permanent(r), 530) | (Error::Temporary(r), 421) => {
                assert_eq!(r.code().get(), code);
                assert_eq!(r.text(), &reply[..reply.len() - 2]);
            }
            _ => panic!("{code}: {e:?}"),
        }
    }
}

#[twin_test(run)]
async fn crlf_in_a_name_never_reaches_the_wire() {
    let server = FaultyFtpd::start(Faults::default());
    let mut ftp = logged_in(&server).await;
    let before = server.received();
    for bad in ["a\r\nDELE b", "a\nb", "a\rb", "a\0b"] {
        let e = ftp.delete(bad).await.unwrap_err();
        assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
        let e = ftp
            .download(bad, tempfile::tempdir().unwrap().path().join("x"))
            .await
            .unwrap_err();
        assert!(matches!(e, Error::InvalidArgument(_)), "{e:?}");
    }
    assert_eq!(server.received(), before, "nothing was sent");
    assert!(ftp.noop().await.unwrap().starts_with("200"));
}

/// A link planted under the `.part` name is replaced, never written
/// through, with or without resume.
#[twin_test(run)]
async fn a_planted_part_link_is_not_followed() {
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
        let mut ftp = logged_in(&server).await;
        ftp.download_with("file.bin", &local, resume, |_| {})
            .await
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

// ----- servers as they are ---------------------------------------------------

#[twin_test(run)]
async fn only_code_and_space_end_a_multiline_welcome() {
    // Lines that start with the code but not with "code space" are text:
    // read as the end, the rest of the welcome would answer USER.
    let server = FaultyFtpd::start(Faults {
        welcome: Some(
            b"220-Welcome\r\n220x not the end\r\n2200 nor this\r\n220 ready\r\n".to_vec(),
        ),
        ..Faults::default()
    });
    let mut ftp = connect(&server).await.unwrap();
    assert_eq!(
        ftp.getwelcome(),
        "220-Welcome\n220x not the end\n2200 nor this\n220 ready"
    );
    assert_eq!(ftp.login("u", "p", "").await.unwrap(), "230 logged in");
    assert_eq!(ftp.pwd().await.unwrap(), "/");
}

#[twin_test(run)]
async fn doubled_and_unsolicited_replies_never_answer_the_next_command() {
    // CWD answered twice, ABOR sent raw leaving its 226 behind, a
    // malformed line after a good reply.
    let server = FaultyFtpd::start(Faults {
        replies: vec![
            (
                "CWD".into(),
                b"200 ok\r\n250 Directory changed\r\n".to_vec(),
            ),
            (
                "ABOR".into(),
                b"426 Connection closed; transfer aborted.\r\n226 ABOR successful\r\n".to_vec(),
            ),
            (
                "TYPE".into(),
                b"200 type set\r\nnot a reply line\r\n".to_vec(),
            ),
        ],
        file: b"payload".to_vec(),
        ..Faults::default()
    });
    let mut ftp = logged_in(&server).await;
    assert!(ftp.cwd("pub").await.unwrap().starts_with("200"));
    // Give the second reply time to arrive: it must be taken as stray.
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(ftp.pwd().await.unwrap(), "/");
    let e = ftp.sendcmd("ABOR").await.unwrap_err();
    assert!(
        matches!(&e, Error::Temporary(r) if r.code().get() == 426),
        "{e:?}"
    );
    std::thread::sleep(Duration::from_millis(50));
    assert!(ftp.noop().await.unwrap().starts_with("200 ok"));
    let mut back = Vec::new();
    ftp.retrbinary("RETR f", &mut back, None).await.unwrap();
    assert_eq!(back, b"payload");
    std::thread::sleep(Duration::from_millis(50));
    assert!(ftp.noop().await.unwrap().starts_with("200 ok"));
    assert_eq!(ftp.session_mut().stray_replies(), 3);
}

#[twin_test(run)]
async fn a_complete_malformed_reply_is_a_protocol_error_the_session_survives() {
    for bad in [&b"999 what\r\n"[..], b"no code at all\r\n", b"099 x\n"] {
        let server = FaultyFtpd::start(Faults {
            replies: vec![("NOOP".into(), bad.to_vec())],
            ..Faults::default()
        });
        let mut ftp = logged_in(&server).await;
        let e = ftp.noop().await.unwrap_err();
        assert!(
            matches!(e, Error::Protocol(ProtocolError::BadReplyCode)),
            "{e:?}"
        );
        assert_eq!(ftp.pwd().await.unwrap(), "/", "in step after {bad:?}");
    }
    // A malformed start of a multi-line reply: its end is unknown.
    let server = FaultyFtpd::start(Faults {
        replies: vec![("NOOP".into(), b"999-what\r\n".to_vec())],
        ..Faults::default()
    });
    let mut ftp = logged_in(&server).await;
    assert!(ftp.noop().await.is_err());
    assert!(matches!(
        ftp.pwd().await.unwrap_err(),
        Error::Protocol(ProtocolError::OutOfSync)
    ));
}

#[twin_test(run)]
async fn a_421_between_commands_is_the_error_of_the_next_one() {
    let server = FaultyFtpd::start(Faults {
        replies: vec![(
            "NOOP".into(),
            b"200 ok\r\n421 Timeout, closing control connection.\r\n".to_vec(),
        )],
        ..Faults::default()
    });
    let mut ftp = logged_in(&server).await;
    ftp.noop().await.unwrap();
    std::thread::sleep(Duration::from_millis(50));
    let before = server.received();
    let e = ftp.cwd("x").await.unwrap_err();
    assert!(
        matches!(&e, Error::Temporary(r) if r.code().get() == 421),
        "{e:?}"
    );
    assert_eq!(server.received(), before, "CWD was not sent");
    assert!(!ftp.is_open());
}

#[twin_test(run)]
async fn pwd_and_mkd_without_257_are_reply_errors() {
    let server = FaultyFtpd::start(Faults {
        replies: vec![
            ("PWD".into(), b"200 here you are\r\n".to_vec()),
            ("MKD".into(), b"250 made\r\n".to_vec()),
        ],
        ..Faults::default()
    });
    let mut ftp = logged_in(&server).await;
    assert!(matches!(ftp.pwd().await.unwrap_err(), Error::Unexpected(r) if r.code().get() == 200));
    assert!(
        matches!(ftp.mkd("d").await.unwrap_err(), Error::Unexpected(r) if r.code().get() == 250)
    );
    assert!(ftp.noop().await.unwrap().starts_with("200"));
}

/// Downloads `RETR f` and returns the bytes and what the client sent.
#[bisync]
async fn fetch_with(faults: Faults) -> (Result<Vec<u8>, Error>, String) {
    let server = FaultyFtpd::start(faults);
    let mut ftp = logged_in(&server).await;
    let mut back = Vec::new();
    let result = ftp
        .retrbinary("RETR f", &mut back, None)
        .await
        .map(|_| back);
    (
        result,
        String::from_utf8_lossy(&server.received()).into_owned(),
    )
}

#[twin_test(run)]
async fn epsv_falls_back_to_pasv_for_the_session() {
    let file = random_bytes(70_000, 21);
    // EPSV answered with 227 (basic-ftp#164), with 425, refused.
    for epsv in [
        &b"227 Entering Passive Mode (127,0,0,1,1,1)\r\n"[..],
        b"425 Can't open passive connection\r\n",
        b"502 EPSV not implemented\r\n",
    ] {
        let server = FaultyFtpd::start(Faults {
            replies: vec![("EPSV".into(), epsv.to_vec())],
            file: file.clone(),
            ..Faults::default()
        });
        let mut ftp = logged_in(&server).await;
        for _ in 0..2 {
            let mut back = Vec::new();
            ftp.retrbinary("RETR f", &mut back, None).await.unwrap();
            assert!(back == file, "bytes equal after {epsv:?}");
        }
        // QUIT reads the last early reply: the server has read it all.
        ftp.quit().await.unwrap();
        let sent = String::from_utf8_lossy(&server.received()).into_owned();
        assert_eq!(sent.matches("EPSV\r\n").count(), 1, "{sent}");
        // One PASV a transfer, each sent early at the end of the data
        // before it (Options::pipeline), and one after the last.
        assert_eq!(sent.matches("PASV\r\n").count(), 3, "{sent}");
        assert!(
            sent.ends_with("PASV\r\nRETR f\r\nPASV\r\nRETR f\r\nPASV\r\nQUIT\r\n"),
            "{sent}"
        );
    }
    // The EPSV port cannot be reached (refused): PASV, and the bytes come.
    let (got, sent) = fetch_with(Faults {
        epsv_closed_port: true,
        file: file.clone(),
        ..Faults::default()
    })
    .await;
    assert!(got.unwrap() == file);
    assert!(sent.contains("EPSV\r\nPASV\r\nRETR f\r\n"), "{sent}");
    // PASV answered with 229: taken as the 229 it is.
    let (got, sent) = fetch_with(Faults {
        no_epsv: true,
        pasv_answers_229: true,
        file: file.clone(),
        ..Faults::default()
    })
    .await;
    assert!(got.unwrap() == file);
    assert!(sent.contains("PASV\r\nRETR f\r\n"), "{sent}");
}

#[twin_test(run)]
async fn active_data_from_another_address_is_refused_unless_allowed() {
    let file = random_bytes(40_000, 22);
    let faults = Faults {
        active_from: Some("127.0.0.2".parse().unwrap()),
        file: file.clone(),
        ..Faults::default()
    };
    let server = FaultyFtpd::start(faults.clone());
    let mut ftp = Ftp::connect("127.0.0.1", server.port, &options().passive(false))
        .await
        .unwrap();
    ftp.login("u", "p", "").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("f");
    let e = ftp.download("f", &local).await.unwrap_err();
    match &e {
        Error::ForeignDataPeer { from, server } => {
            assert_eq!(from.ip(), "127.0.0.2".parse::<std::net::IpAddr>().unwrap());
            assert_eq!(*server, "127.0.0.1".parse::<std::net::IpAddr>().unwrap());
        }
        other => panic!("{other:?}"),
    }
    assert!(e.to_string().contains("refused"), "{e}");
    assert!(!local.exists() && !part_path(&local).exists(), "no file");
    // In step: the next command gets its own reply.
    assert!(ftp.noop().await.unwrap().starts_with("200"));
    // With the check off (odd NAT), the same server works.
    let server = FaultyFtpd::start(faults);
    let opts = options().passive(false).verify_data_peer(false);
    let mut ftp = Ftp::connect("127.0.0.1", server.port, &opts).await.unwrap();
    ftp.login("u", "p", "").await.unwrap();
    ftp.download("f", &local).await.unwrap();
    assert!(std::fs::read(&local).unwrap() == file);
}

#[twin_test(run)]
async fn resume_continues_a_shorter_file_under_the_final_name() {
    let file = random_bytes(300_000, 23);
    let server = FaultyFtpd::start(Faults {
        file: file.clone(),
        ..Faults::default()
    });
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("big.bin");
    std::fs::write(&local, &file[..123_456]).unwrap();
    let mut ftp = logged_in(&server).await;
    let done = ftp
        .download_with("big.bin", &local, true, |_| {})
        .await
        .unwrap();
    assert_eq!((done.offset, done.bytes), (123_456, 300_000 - 123_456));
    assert!(std::fs::read(&local).unwrap() == file);
    assert!(!part_path(&local).exists());
    assert!(String::from_utf8_lossy(&server.received()).contains("REST 123456\r\n"));
    // Equal size: nothing to do.
    let done = ftp
        .download_with("big.bin", &local, true, |_| {})
        .await
        .unwrap();
    assert_eq!((done.offset, done.bytes), (300_000, 0));
    // Longer: an error that says so, the local file untouched.
    let longer = [file.as_slice(), b"extra"].concat();
    std::fs::write(&local, &longer).unwrap();
    let e = ftp
        .download_with("big.bin", &local, true, |_| {})
        .await
        .unwrap_err();
    assert!(e.to_string().contains("longer than the remote"), "{e}");
    assert!(std::fs::read(&local).unwrap() == longer);
    // Without resume the file is replaced whole.
    ftp.download("big.bin", &local).await.unwrap();
    assert!(std::fs::read(&local).unwrap() == file);
}

#[twin_test(run)]
async fn keepalive_is_on_for_control_and_data_sockets() {
    let server = FaultyFtpd::start(Faults {
        file: b"x".to_vec(),
        ..Faults::default()
    });
    let mut ftp = logged_in(&server).await;
    let control = control_socket(&mut ftp);
    assert!(control.keepalive().unwrap());
    assert_eq!(
        control.tcp_keepalive_time().unwrap(),
        Duration::from_secs(60)
    );
    assert_eq!(
        control.tcp_keepalive_interval().unwrap(),
        Duration::from_secs(15)
    );
    let (stream, _) = ftp.ntransfercmd("RETR f", None).await.unwrap();
    let data = data_socket(&stream);
    assert!(data.keepalive().unwrap());
    assert_eq!(data.tcp_keepalive_time().unwrap(), Duration::from_secs(60));
    ftp.end_transfer(stream).await.unwrap();
    // Off when asked.
    let mut ftp = Ftp::connect("127.0.0.1", server.port, &options().keepalive(None))
        .await
        .unwrap();
    let control = control_socket(&mut ftp);
    assert!(!control.keepalive().unwrap());
}

#[twin_test(run)]
async fn an_epsv_port_that_never_answers_falls_back_to_pasv_within_the_connect_timeout() {
    let file = random_bytes(50_000, 24);
    let server = FaultyFtpd::start(Faults {
        epsv_unanswered: true,
        file: file.clone(),
        ..Faults::default()
    });
    let mut ftp = logged_in(&server).await;
    let start = Instant::now();
    let mut back = Vec::new();
    ftp.retrbinary("RETR f", &mut back, None).await.unwrap();
    assert!(back == file);
    let took = start.elapsed();
    // One connect timeout for the EPSV port, then PASV at once.
    assert!(took >= DEADLINE && took < DEADLINE * 3, "{took:?}");
    // Remembered: the next transfer asks PASV directly, no second wait.
    let start = Instant::now();
    ftp.retrbinary("RETR f", &mut Vec::new(), None)
        .await
        .unwrap();
    assert!(start.elapsed() < DEADLINE, "{:?}", start.elapsed());
    let sent = String::from_utf8_lossy(&server.received()).into_owned();
    assert_eq!(sent.matches("EPSV").count(), 1, "{sent}");
}

#[twin_test(run)]
async fn a_stray_reply_found_long_after_the_last_command_is_still_read() {
    // The reply deadline of the last command passed long ago: the stray
    // reply gets a fresh one, and the next command its own answer.
    let server = FaultyFtpd::start(Faults {
        replies: vec![("CWD".into(), b"200 ok\r\n".to_vec())],
        late: vec![(
            "CWD".into(),
            DEADLINE + DEADLINE / 2,
            b"250 late twin\r\n".to_vec(),
        )],
        ..Faults::default()
    });
    let mut ftp = logged_in(&server).await;
    ftp.cwd("a").await.unwrap();
    std::thread::sleep(DEADLINE * 3);
    assert_eq!(ftp.pwd().await.unwrap(), "/");
    assert_eq!(ftp.session_mut().stray_replies(), 1);
}

/// Local files that cannot be written or read are errors that name them,
/// and the session goes on.
#[twin_test(run)]
async fn local_file_errors_name_the_file() {
    let server = FaultyFtpd::start(Faults {
        file: b"data".to_vec(),
        ..Faults::default()
    });
    let mut ftp = logged_in(&server).await;
    let dir = tempfile::tempdir().unwrap();
    // A directory that does not exist: the .part file cannot be made.
    let local = dir.path().join("no such dir/file.bin");
    match ftp.download("f", &local).await.unwrap_err() {
        Error::Local { path, source } => {
            assert_eq!(path, part_path(&local));
            assert_eq!(source.kind(), std::io::ErrorKind::NotFound);
        }
        other => panic!("expected a local error, got {other:?}"),
    }
    assert!(ftp.noop().await.unwrap().starts_with("200"), "in step");
    // An upload of a file that is not there: refused before any command.
    let before = server.received();
    let missing = dir.path().join("missing.log");
    let e = ftp.upload(&missing, "up.log").await.unwrap_err();
    assert!(
        matches!(&e, Error::Local { path, .. } if *path == missing),
        "{e:?}"
    );
    assert!(
        e.to_string().starts_with(&missing.display().to_string()),
        "{e}"
    );
    assert_eq!(server.received(), before, "nothing was sent");
}

/// Over TLS, a stray reply is read before the next command; CCC: the
/// control connection back in clear text after login, TLS ended with
/// close_notify both ways; the next commands in clear text get their
/// replies.
#[twin_test(run)]
async fn tls_stray_reply_then_ccc_back_to_clear_text() {
    let server = ftp_tests::CccFtpd::start();
    let options = options()
        .security(ftp_std::Security::Explicit)
        .verify(ftp_std::Verify::CaFile(server.certs.ca.clone()));
    let mut ftp = Ftp::connect("127.0.0.1", server.port, &options)
        .await
        .unwrap();
    ftp.login("u", "p", "").await.unwrap();
    assert!(ftp.control_is_tls());
    // A stray reply over TLS, come while the caller was busy (a blocked
    // thread, or a runtime that had no turn), is read before PWD.
    ftp.cwd("d").await.unwrap();
    std::thread::sleep(Duration::from_millis(600));
    assert_eq!(ftp.pwd().await.unwrap(), "/");
    assert_eq!(ftp.session_mut().stray_replies(), 1);
    assert!(ftp.ccc().await.unwrap().starts_with("200"));
    assert!(!ftp.control_is_tls());
    assert!(ftp.noop().await.unwrap().starts_with("200"));
    assert!(ftp.quit().await.unwrap().starts_with("221"));
    let log = server.finish();
    // FEAT first, for HOST (it lists none), in clear text before AUTH.
    let want = [
        ("FEAT", false),
        ("AUTH TLS", false),
        ("USER u", true),
        ("CWD d", true),
        ("PWD", true),
        ("CCC", true),
        ("NOOP", false),
        ("QUIT", false),
    ];
    assert_eq!(
        log,
        want.map(|(c, tls)| (c.to_string(), tls)),
        "what the server read, and how"
    );
}

/// A server that lies about checksums: a verified download fails and
/// leaves no file (under the final name or as `.part`); a verified upload
/// fails naming both checksums and leaves the remote file. `Always` with
/// a server that has no checksum command fails before anything moves.
#[twin_test(run)]
async fn a_lying_checksum_fails_the_transfer() {
    use ftp_std::{Fetch, Put, Verification};
    let file = random_bytes(50_000, 82);
    let lie = format!("250 {}\r\n", "ab".repeat(32));
    let server = FaultyFtpd::start(Faults {
        file: file.clone(),
        replies: vec![
            (
                "FEAT".into(),
                b"211-Features:\r\n XSHA256\r\n XMD5\r\n211 End\r\n".to_vec(),
            ),
            ("XSHA256".into(), lie.into_bytes()),
        ],
        ..Faults::default()
    });
    let mut ftp = logged_in(&server).await;
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("f.bin");
    let fetch = Fetch::default().verify(Verification::Auto);
    let e = ftp
        .fetch("f.bin", &local, &fetch, |_| {})
        .await
        .unwrap_err();
    assert!(matches!(e, Error::ChecksumMismatch { .. }), "{e:?}");
    assert!(e.to_string().contains(&"ab".repeat(32)), "{e}");
    assert!(!local.exists() && !part_path(&local).exists());
    // The upload: stored, then found wrong.
    std::fs::write(&local, &file).unwrap();
    let put = Put::default().verify(Verification::Auto);
    let e = ftp.put(&local, "up.bin", &put, |_| {}).await.unwrap_err();
    match &e {
        Error::ChecksumMismatch {
            path,
            local,
            remote,
        } => {
            assert_eq!(path, "up.bin");
            assert_ne!(local, remote);
            assert_eq!(remote.hex, "ab".repeat(32));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(server.stored().len(), 1, "the remote file is left");
    assert!(
        ftp.noop().await.unwrap().starts_with("200"),
        "the session goes on"
    );
    // No checksum command: Always refuses before the transfer.
    let plain = FaultyFtpd::start(Faults {
        file: file.clone(),
        ..Faults::default()
    });
    let mut ftp = logged_in(&plain).await;
    let always = Fetch::default().verify(Verification::Always);
    let e = ftp
        .fetch("f.bin", &local, &always, |_| {})
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NoChecksum { .. }), "{e:?}");
    let e = ftp
        .put(
            &local,
            "x",
            &Put::default().verify(Verification::Always),
            |_| {},
        )
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NoChecksum { .. }), "{e:?}");
    let sent = String::from_utf8_lossy(&plain.received()).into_owned();
    assert!(!sent.contains("RETR") && !sent.contains("STOR"), "{sent}");
    // Auto with no checksum command: transferred, not verified.
    let auto = Fetch::default().verify(Verification::Auto);
    let done = ftp.fetch("f.bin", &local, &auto, |_| {}).await.unwrap();
    assert_eq!(done.checksum, None);
    assert!(std::fs::read(&local).unwrap() == file);
}

/// A "proxy" on loopback that answers its first read with `reply` and
/// then closes; returns its port.
fn scripted_proxy(reply: Vec<u8>) -> u16 {
    ftp_tests::Scripted::start(1, move |mut s| {
        use std::io::{Read, Write};
        let mut buf = [0u8; 512];
        let _ = s.read(&mut buf);
        let _ = s.write_all(&reply);
    })
    .port
}

/// Proxies that misbehave: not SOCKS5, a SOCKS5 failure reply, an HTTP
/// reply head that never ends, a proxy that hangs up mid-handshake. Each
/// a clear error naming the proxy and the target, nothing sent to the
/// server.
#[twin_test(run)]
async fn misbehaving_proxies_are_clear_errors() {
    use ftp_std::Proxy;
    let endless = [&b"HTTP/1.1 200 OK\r\n"[..], &vec![b'x'; 20_000]].concat();
    for (scheme, reply, want) in [
        ("socks5h", vec![4, 0], "does not speak SOCKS5"),
        (
            "socks5h",
            vec![5, 0, 5, 1, 0, 1, 0, 0, 0, 0, 0, 0],
            "general SOCKS server failure",
        ),
        ("socks5h", vec![5], "in the middle of its handshake"),
        ("http", endless, "never ends"),
        ("http", b"HTTP/1.1 502 Bad Gateway\r\n\r\n".to_vec(), "502"),
        ("http", Vec::new(), "in the middle of its handshake"),
    ] {
        let port = scripted_proxy(reply);
        let proxy = Proxy::parse(&format!("{scheme}://127.0.0.1:{port}")).unwrap();
        let e = Ftp::connect("127.0.0.1", 2121, &options().proxy(proxy))
            .await
            .unwrap_err();
        let text = e.to_string();
        assert!(matches!(e, Error::Io(_)), "{scheme} {want}: {e:?}");
        assert!(text.contains(want), "{scheme}: {text}");
        assert!(
            text.contains(&format!("127.0.0.1:{port}")) && text.contains("127.0.0.1:2121"),
            "names the proxy and the target: {text}"
        );
    }
}

#[twin_test(run)]
async fn the_next_passive_command_goes_out_early_and_replies_stay_in_order() {
    let file = random_bytes(20_000, 5);
    // A server that reads the next command only after a transfer (vsftpd,
    // ProFTPD): the early EPSV's 229 follows the 226, and the next RETR
    // goes out without an EPSV of its own.
    let server = FaultyFtpd::start(Faults {
        file: file.clone(),
        listing: b"a\r\nb\r\n".to_vec(),
        ..Faults::default()
    });
    let mut ftp = logged_in(&server).await;
    for _ in 0..3 {
        let mut back = Vec::new();
        ftp.retrbinary("RETR f", &mut back, None).await.unwrap();
        assert!(back == file);
    }
    // An early EPSV nobody uses: its reply is read before SIZE's.
    assert_eq!(ftp.size("f").await.unwrap(), Some(file.len() as u64));
    assert_eq!(ftp.nlst(None).await.unwrap(), ["a", "b"]);
    assert!(ftp.quit().await.unwrap().starts_with("221"));
    let sent = String::from_utf8_lossy(&server.received()).into_owned();
    // The listing keeps TYPE I (the core's `line_type`).
    let expect = "TYPE I\r\nEPSV\r\nRETR f\r\nEPSV\r\nRETR f\r\nEPSV\r\nRETR f\r\nEPSV\r\n\
                  SIZE f\r\nEPSV\r\nNLST\r\nEPSV\r\nQUIT\r\n";
    assert!(sent.ends_with(expect), "{sent}");

    // A server on an event loop answers the early EPSV before its 226:
    // taken in that order (the 229 kept for the next transfer), and no
    // early command again this session.
    let server = FaultyFtpd::start(Faults {
        file: file.clone(),
        answers_during_transfer: true,
        ..Faults::default()
    });
    let mut ftp = logged_in(&server).await;
    for _ in 0..3 {
        let mut back = Vec::new();
        ftp.retrbinary("RETR f", &mut back, None).await.unwrap();
        assert!(back == file);
    }
    assert_eq!(ftp.size("f").await.unwrap(), Some(file.len() as u64));
    ftp.quit().await.unwrap();
    let sent = String::from_utf8_lossy(&server.received()).into_owned();
    assert!(
        sent.ends_with("EPSV\r\nRETR f\r\nEPSV\r\nRETR f\r\nEPSV\r\nRETR f\r\nSIZE f\r\nQUIT\r\n"),
        "{sent}"
    );
    assert_eq!(sent.matches("EPSV").count(), 3, "{sent}");

    // Off: every transfer asks for its own address, after the 226.
    let server = FaultyFtpd::start(Faults {
        file: file.clone(),
        ..Faults::default()
    });
    let mut ftp = Ftp::connect("127.0.0.1", server.port, &options().pipeline(false))
        .await
        .unwrap();
    ftp.login("u", "p", "").await.unwrap();
    for _ in 0..2 {
        let mut back = Vec::new();
        ftp.retrbinary("RETR f", &mut back, None).await.unwrap();
    }
    ftp.quit().await.unwrap();
    let sent = String::from_utf8_lossy(&server.received()).into_owned();
    assert!(
        sent.ends_with("EPSV\r\nRETR f\r\nEPSV\r\nRETR f\r\nQUIT\r\n"),
        "{sent}"
    );
}

/// ftp-std on both runtimes: SIZE answered `250` is `None`, NLST and LIST
/// answered `450 No files found` are empty, a 257 with an unclosed quote
/// is a protocol error, ABOR sent raw during a RETR sent raw reads both
/// replies, and the session answers right afterwards.
#[twin_test(run)]
async fn replies_the_reference_defines() {
    let server = FaultyFtpd::start(Faults {
        replies: vec![
            ("SIZE".into(), b"250 It is a directory\r\n".to_vec()),
            ("MKD".into(), b"257 \"/d created\r\n".to_vec()),
        ],
        transfer_replies: vec![
            ("NLST".into(), b"450 No files found\r\n".to_vec()),
            ("LIST".into(), b"550 No files found.\r\n".to_vec()),
        ],
        retr_until_abor: Some(b"226 Transfer complete.\r\n225 No transfer to ABOR.\r\n".to_vec()),
        ..Faults::default()
    });
    let mut ftp = logged_in(&server).await;
    assert_eq!(ftp.size("d").await.unwrap(), None);
    assert!(ftp.nlst(Some("*.log")).await.unwrap().is_empty());
    assert!(ftp.dir(Some("empty")).await.unwrap().is_empty());
    let e = ftp.mkd("d").await.unwrap_err();
    assert!(
        matches!(e, Error::Protocol(ProtocolError::BadPathReply)),
        "{e:?}"
    );
    assert_eq!(ftp.sendcmd("RETR big").await.unwrap().code(), 150);
    assert_eq!(
        ftp.voidcmd("ABOR").await.unwrap().text(),
        "225 No transfer to ABOR."
    );
    assert_eq!(ftp.pwd().await.unwrap(), "/");
    assert!(ftp.quit().await.unwrap().starts_with("221"));
}

/// A server that answers nothing after EPSV until the announced data
/// connection came (5 s at most, then a 425 about it first): after a
/// download whose next EPSV went out early, PWD, the next download and
/// QUIT are answered at once and each with its own reply.
#[twin_test(run)]
async fn an_unused_early_passive_request_delays_nothing() {
    let file = random_bytes(40_000, 28);
    let server = FaultyFtpd::start(Faults {
        passive_wait: Some((
            Duration::from_secs(5),
            b"425 No connection established\r\n".to_vec(),
        )),
        file: file.clone(),
        ..Faults::default()
    });
    let start = Instant::now();
    let mut ftp = Ftp::connect("127.0.0.1", server.port, &Options::default())
        .await
        .unwrap();
    ftp.login("u", "p", "").await.unwrap();
    for _ in 0..2 {
        let mut back = Vec::new();
        ftp.retrbinary("RETR f", &mut back, None).await.unwrap();
        assert!(back == file);
        assert_eq!(ftp.pwd().await.unwrap(), "/");
    }
    assert!(ftp.quit().await.unwrap().starts_with("221"));
    assert!(
        start.elapsed() < Duration::from_secs(4),
        "{:?}",
        start.elapsed()
    );
}

/// Active mode: a server that answers its 150 with a 425 instead of
/// connecting ends the wait at once with that 425 (the session goes on);
/// a server that neither connects nor answers costs one timeout, not the
/// accept's and then the reply's.
#[twin_test(run)]
async fn active_mode_listens_to_the_control_connection() {
    let server = FaultyFtpd::start(Faults {
        active_refused_after_150: Some(Duration::from_millis(300)),
        ..Faults::default()
    });
    let mut ftp = Ftp::connect(
        "127.0.0.1",
        server.port,
        &Options::default().timeout(Duration::from_secs(10)),
    )
    .await
    .unwrap();
    ftp.login("u", "p", "").await.unwrap();
    ftp.set_pasv(false);
    let start = Instant::now();
    let e = ftp
        .retrbinary("RETR f", &mut Vec::new(), None)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Temporary(r) if r.code().get() == 425),
        "{e:?}"
    );
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    assert!(ftp.noop().await.unwrap().starts_with("200"));

    let server = FaultyFtpd::start(Faults {
        active_silent: true,
        ..Faults::default()
    });
    let mut ftp = logged_in(&server).await;
    ftp.set_pasv(false);
    let start = Instant::now();
    let e = ftp
        .retrbinary("RETR f", &mut Vec::new(), None)
        .await
        .unwrap_err();
    timed_out(&e);
    // One timeout (800 ms), not two.
    assert!(
        start.elapsed() < DEADLINE + Duration::from_millis(600),
        "{:?}",
        start.elapsed()
    );
    // The reply may still come: the session says it is out of step.
    let e = ftp.noop().await.unwrap_err();
    assert!(
        matches!(e, Error::Protocol(ProtocolError::OutOfSync)),
        "{e:?}"
    );
}

/// A resumed upload appends what the server lacks with APPE (its SIZE
/// says how much it has), as curl does; a server that refuses APPE gets
/// REST and STOR; one that refuses REST as well, the whole file.
#[twin_test(run)]
async fn an_upload_resumes_with_appe() {
    let file = random_bytes(200_000, 29);
    let refuse_appe = || {
        (
            "APPE".to_string(),
            b"502 APPE not implemented.\r\n".to_vec(),
        )
    };
    let refuse_rest = || {
        (
            "REST".to_string(),
            b"502 REST not implemented.\r\n".to_vec(),
        )
    };
    for (transfer_replies, replies, offset, verb) in [
        (vec![], vec![refuse_rest()], 70_000, "APPE up.bin"),
        (
            vec![refuse_appe()],
            vec![],
            70_000,
            "REST 70000\r\nSTOR up.bin",
        ),
        (vec![refuse_appe()], vec![refuse_rest()], 0, "STOR up.bin"),
    ] {
        let server = FaultyFtpd::start(Faults {
            transfer_replies,
            replies,
            ..Faults::default()
        });
        let dir = tempfile::tempdir().unwrap();
        let local = dir.path().join("up.bin");
        std::fs::write(&local, &file[..70_000]).unwrap();
        let mut ftp = logged_in(&server).await;
        ftp.upload(&local, "up.bin").await.unwrap();
        std::fs::write(&local, &file).unwrap();
        let mut sizes = Vec::new();
        let done = ftp
            .upload_with(&local, "up.bin", true, |p| sizes.push(p.done))
            .await
            .unwrap();
        assert_eq!(done.offset, offset, "{verb}");
        assert_eq!(done.bytes, 200_000 - offset, "{verb}");
        assert!(server.stored()["up.bin"] == file, "{verb}");
        let sent = String::from_utf8_lossy(&server.received()).into_owned();
        let resumed = &sent[sent.find("SIZE up.bin\r\nSIZE up.bin").unwrap()..];
        assert!(resumed.contains(verb), "{verb}: {sent}");
        assert!(sizes.iter().all(|&d| d > offset), "{sizes:?}");
    }
}

#[twin_test(run)]
async fn a_cancelled_transfer_stops_and_the_session_goes_on() {
    // 32 MiB: far more than one block and the sockets' buffers hold.
    let file = random_bytes(32 << 20, 61);
    let server = FaultyFtpd::start(Faults {
        file: file.clone(),
        ..Faults::default()
    });
    let cancel = ftp_std::Cancel::default();
    let options = options().cancel(cancel.clone());
    let mut ftp = Ftp::connect("127.0.0.1", server.port, &options)
        .await
        .unwrap();
    ftp.login("u", "p", "").await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("big.bin");
    // Cancelled at the first progress: the download ends there.
    let e = ftp
        .download_with("big.bin", &local, false, |_| cancel.cancel())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Callback(io) if io.kind() == std::io::ErrorKind::Interrupted),
        "{e:?}"
    );
    assert!(!local.exists(), "nothing under the final name");
    let part = std::fs::metadata(part_path(&local)).map_or(0, |m| m.len());
    assert!(part < file.len() as u64, "{part} bytes kept for a resume");
    // The session goes on once the flag is down again.
    cancel.reset();
    assert_eq!(ftp.pwd().await.unwrap(), "/");
    ftp.download_with("big.bin", &local, true, |_| {})
        .await
        .unwrap();
    assert!(std::fs::read(&local).unwrap() == file);
    // An upload cancelled the same way.
    let e = ftp
        .upload_with(&local, "up.bin", false, |_| cancel.cancel())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Callback(io) if io.kind() == std::io::ErrorKind::Interrupted),
        "{e:?}"
    );
    cancel.reset();
    assert_eq!(ftp.pwd().await.unwrap(), "/");
}

/// A session of the fault server on `port` where `dir/f.bin` holds `old`.
#[bisync]
async fn with_old_file(port: u16, old: &[u8]) -> Ftp {
    let mut ftp = Ftp::connect("127.0.0.1", port, &options()).await.unwrap();
    ftp.login("u", "p", "").await.unwrap();
    let mut source = std::io::Cursor::new(old.to_vec());
    ftp.storbinary("STOR dir/f.bin", &mut source, None)
        .await
        .unwrap();
    ftp
}

/// Atomic uploads ([`ftp_std::Put::atomic`]) against the fault server:
/// the file goes up as `dir/.f.bin.part` and is renamed after the 226 and
/// the size check; a STOR cut at 100 000 bytes (426, the session alive)
/// leaves the old `dir/f.bin` byte for byte and no temporary file; a cut
/// that drops the connection leaves the old file too (the temporary one
/// stays for a resume: nobody is there to delete it).
#[twin_test(run)]
async fn atomic_uploads_leave_the_old_file_whole() {
    use ftp_tests::{Faults, FaultyFtpd};
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("f.bin");
    let old = random_bytes(50_000, 3);
    let new = random_bytes(300_000, 4);
    std::fs::write(&local, &new).unwrap();
    let atomic = ftp_std::Put::default().atomic(true);
    // Whole: the new file under the final name, nothing else.
    let server = FaultyFtpd::start(Faults::default());
    let mut ftp = with_old_file(server.port, &old).await;
    let done = ftp.put(&local, "dir/f.bin", &atomic, |_| {}).await.unwrap();
    assert_eq!(done.bytes, new.len() as u64);
    let stored = server.stored();
    assert_eq!(stored.keys().collect::<Vec<_>>(), ["dir/f.bin"]);
    assert!(stored["dir/f.bin"] == new);
    let sent = String::from_utf8_lossy(&server.received()).into_owned();
    let at = |what: &str| {
        sent.find(what)
            .unwrap_or_else(|| panic!("{what} in {sent}"))
    };
    assert!(at("STOR dir/.f.bin.part") < at("SIZE dir/.f.bin.part"));
    assert!(at("SIZE dir/.f.bin.part") < at("RNFR dir/.f.bin.part"));
    assert!(at("RNFR dir/.f.bin.part") < at("RNTO dir/f.bin"));
    for drop_control in [false, true] {
        let faults = Faults {
            stor_cut: Some((".part".into(), 100_000, drop_control)),
            ..Faults::default()
        };
        let server = FaultyFtpd::start(faults);
        let mut ftp = with_old_file(server.port, &old).await;
        let e = ftp
            .put(&local, "dir/f.bin", &atomic, |_| {})
            .await
            .unwrap_err();
        let stored = server.stored();
        assert!(stored["dir/f.bin"] == old, "the old file changed ({e})");
        if drop_control {
            assert!(e.connection_lost(), "{e}");
            assert_eq!(stored["dir/.f.bin.part"].len(), 100_000);
        } else {
            assert!(matches!(e.code(), Some(426)) || e.connection_lost(), "{e}");
            assert_eq!(stored.keys().collect::<Vec<_>>(), ["dir/f.bin"], "{e}");
            // The session goes on.
            assert_eq!(ftp.size("dir/f.bin").await.unwrap(), Some(old.len() as u64));
        }
    }
}

/// The rename at the end of an atomic upload, where servers differ: one
/// that never renames onto an existing file (IIS's 550) gets the old file
/// moved aside (`dir/.f.bin.old`), the new one renamed in, the old one
/// deleted; one that refuses every rename (553) keeps the old file byte
/// for byte, the temporary one is removed and the 553 is the error.
#[twin_test(run)]
async fn atomic_uploads_where_a_rename_cannot_replace() {
    use ftp_tests::{Faults, FaultyFtpd};
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("f.bin");
    let old = random_bytes(50_000, 5);
    let new = random_bytes(200_000, 6);
    std::fs::write(&local, &new).unwrap();
    let atomic = ftp_std::Put::default().atomic(true);
    let server = FaultyFtpd::start(Faults {
        rename_keeps_existing: true,
        ..Faults::default()
    });
    let mut ftp = with_old_file(server.port, &old).await;
    ftp.put(&local, "dir/f.bin", &atomic, |_| {}).await.unwrap();
    let stored = server.stored();
    assert_eq!(stored.keys().collect::<Vec<_>>(), ["dir/f.bin"]);
    assert!(stored["dir/f.bin"] == new);
    let sent = String::from_utf8_lossy(&server.received()).into_owned();
    assert!(
        sent.contains("RNFR dir/f.bin\r\nRNTO dir/.f.bin.old\r\n"),
        "{sent}"
    );
    // Every rename refused.
    let server = FaultyFtpd::start(Faults {
        replies: vec![("RNTO".into(), b"553 Rename not allowed.\r\n".to_vec())],
        ..Faults::default()
    });
    let mut ftp = with_old_file(server.port, &old).await;
    let e = ftp
        .put(&local, "dir/f.bin", &atomic, |_| {})
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(553), "{e}");
    let stored = server.stored();
    assert_eq!(stored.keys().collect::<Vec<_>>(), ["dir/f.bin"], "{e}");
    assert!(stored["dir/f.bin"] == old, "the old file changed ({e})");
}

/// `fetch_retrying` of `remote` from the fault server into `local`, on a
/// session of its own.
#[bisync]
async fn fetch_with_retries(
    server: &FaultyFtpd,
    remote: &str,
    local: &std::path::Path,
    retries: &ftp_std::Retries,
) -> Result<ftp_std::Transferred, Error> {
    use super::{connector, fetch_retrying};
    let mut session = None;
    fetch_retrying(
        &mut session,
        &connector(server.port, "u", "p"),
        remote,
        local,
        &ftp_std::Fetch::default(),
        retries,
        &|_| {},
    )
    .await
}

/// Retries that resume: the fault server drops the connection when the
/// file reaches 1 MiB, then 3 MiB, of an 8 MiB RETR and then of an 8 MiB
/// STOR; each arrives byte for byte after two retries on new
/// connections, continuing with REST at 1 MiB and 3 MiB (the download)
/// and APPE from what the server has (the upload); a 550 is not retried.
#[twin_test(run)]
async fn retries_resume_a_cut_download_and_upload() {
    use super::{connector, put_retrying};
    let data = random_bytes(8 << 20, 21);
    let cuts = || Faults {
        file: data.clone(),
        drops_at: vec![1 << 20, 3 << 20],
        ..Faults::default()
    };
    let server = FaultyFtpd::start(cuts());
    let retries =
        ftp_std::Retries::new(3).pauses(Duration::from_millis(50), Duration::from_millis(200));
    let dir = tempfile::tempdir().unwrap();
    let local = dir.path().join("f.bin");
    let done = fetch_with_retries(&server, "f.bin", &local, &retries)
        .await
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&server.received())));
    assert!(std::fs::read(&local).unwrap() == data);
    assert_eq!((done.offset, done.bytes), (3 << 20, 5 << 20));
    let sent = String::from_utf8_lossy(&server.received()).into_owned();
    assert_eq!(sent.matches("USER u").count(), 3, "{sent}");
    assert!(sent.contains("REST 1048576\r\nRETR f.bin"), "{sent}");
    assert!(sent.contains("REST 3145728\r\nRETR f.bin"), "{sent}");
    // The upload: cut at 1 MiB and 3 MiB of the file, continued with APPE.
    let server = FaultyFtpd::start(cuts());
    let connect = connector(server.port, "u", "p");
    let mut session = None;
    let done = put_retrying(
        &mut session,
        &connect,
        &local,
        "up.bin",
        &ftp_std::Put::default(),
        &retries,
        &|_| {},
    )
    .await
    .unwrap();
    assert!(server.stored()["up.bin"] == data);
    assert_eq!(done.offset, 3 << 20);
    let sent = String::from_utf8_lossy(&server.received()).into_owned();
    assert_eq!(sent.matches("APPE up.bin").count(), 2, "{sent}");
    // A new connection refused (421 at the greeting: the server still
    // counts the session that dropped) is one more retry, not the end.
    let server = FaultyFtpd::start(Faults {
        refuse_connections: vec![2],
        ..cuts()
    });
    std::fs::remove_file(&local).unwrap();
    fetch_with_retries(&server, "f.bin", &local, &retries)
        .await
        .unwrap();
    assert!(std::fs::read(&local).unwrap() == data);
    assert_eq!(server.refused_sessions(), 1);
    let sent = String::from_utf8_lossy(&server.received()).into_owned();
    assert!(sent.contains("REST 1048576\r\nRETR f.bin"), "{sent}");
    assert!(sent.contains("REST 3145728\r\nRETR f.bin"), "{sent}");
    // A refusal is not tried again.
    let refusing = FaultyFtpd::start(Faults {
        replies: vec![("SIZE".into(), b"550 No such file.\r\n".to_vec())],
        transfer_replies: vec![("RETR".into(), b"550 No such file.\r\n".to_vec())],
        ..Faults::default()
    });
    let e = fetch_with_retries(&refusing, "nope", &local, &retries)
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(550), "{e}");
    let sent = String::from_utf8_lossy(&refusing.received()).into_owned();
    assert_eq!(sent.matches("RETR nope").count(), 1, "{sent}");
}
