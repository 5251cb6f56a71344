// Written once for the blocking `ftp_std::Ftp` and the tokio
// `ftp_std::tokio::Ftp` (each twin module gives `Ftp`, `bisync`, `run`
// and its helpers).

// `run(check())`: in the blocking twin the check has run and `run` gets
// its `()`.
#![allow(clippy::unit_arg)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::thread;
use std::time::{Duration, Instant};

use ftp_std::{Error, Options};
use ftp_tests::{PyFtpd, Scripted};

use super::{Ftp, run, twin_test};

fn listener() -> (TcpListener, u16) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    (l, port)
}

fn assert_timed_out(e: &Error) {
    match e {
        Error::Io(io) => assert_eq!(io.kind(), std::io::ErrorKind::TimedOut, "{io}"),
        other => panic!("expected a timeout, got {other:?}"),
    }
}

#[twin_test(run)]
async fn silent_server_times_out() {
    let (port, server) = Scripted::once(move |s| {
        thread::sleep(Duration::from_secs(3));
        drop(s);
    });
    let options = Options::default().timeout(Duration::from_millis(500));
    let start = Instant::now();
    let e = Ftp::connect("127.0.0.1", port, &options).await.unwrap_err();
    assert_timed_out(&e);
    assert!(e.to_string().contains("no complete reply"), "{e}");
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    server.join().unwrap();
}

/// A server that sends its welcome one byte every 50 ms never finishes
/// the line: the whole-reply deadline ends it, although every single read
/// gets a byte well within the timeout.
#[twin_test(run)]
async fn trickling_server_hits_the_reply_deadline() {
    let (port, server) = Scripted::once(move |mut s| {
        let _ = s.write_all(b"220 ");
        for _ in 0..100 {
            if s.write_all(b"a").is_err() {
                break;
            }
            thread::sleep(Duration::from_millis(50));
        }
    });
    let options = Options::default().timeout(Duration::from_millis(800));
    let start = Instant::now();
    let e = Ftp::connect("127.0.0.1", port, &options).await.unwrap_err();
    assert_timed_out(&e);
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(700) && took < Duration::from_secs(3),
        "{took:?}"
    );
    server.join().unwrap();
}

/// Answers a login and an EPSV, then for RETR says 150 and lets the data
/// connection hang: the transfer ends in a timeout, not a hang.
#[twin_test(run)]
async fn stalled_data_connection_times_out() {
    let (port, server) = Scripted::once(move |s| {
        let mut out = s.try_clone().unwrap();
        let mut lines = BufReader::new(s);
        out.write_all(b"220 ready\r\n").unwrap();
        let (data, data_port) = listener();
        let mut held = Vec::new();
        for _ in 0..20 {
            let mut line = String::new();
            if lines.read_line(&mut line).unwrap_or(0) == 0 {
                break;
            }
            let reply = match line.split_whitespace().next().unwrap_or("") {
                "USER" => "230 in".to_string(),
                "TYPE" => "200 ok".to_string(),
                "SIZE" => "550 no size".to_string(),
                "EPSV" => format!("229 Entering Extended Passive Mode (|||{data_port}|)"),
                "RETR" => {
                    held.push(data.accept().unwrap().0);
                    "150 here it comes (never)".to_string()
                }
                _ => "502 no".to_string(),
            };
            if out.write_all(format!("{reply}\r\n").as_bytes()).is_err() {
                break;
            }
        }
    });
    let options = Options::default().timeout(Duration::from_millis(500));
    let mut ftp = Ftp::connect("127.0.0.1", port, &options).await.unwrap();
    ftp.login("", "", "").await.unwrap();
    let start = Instant::now();
    let mut sink = Vec::new();
    let e = ftp.retrbinary("RETR f", &mut sink, None).await.unwrap_err();
    assert_timed_out(&e);
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    drop(ftp);
    server.join().unwrap();
}

/// Dropping a session closes it without a word (no QUIT): what the server
/// received is exactly the login.
#[twin_test(run)]
async fn drop_sends_nothing() {
    let (port, server) = Scripted::once(move |mut s| {
        s.write_all(b"220 ready\r\n").unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 256];
        for _ in 0..100 {
            match s.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    got.extend_from_slice(&buf[..n]);
                    if got.ends_with(b"\r\n") {
                        s.write_all(b"230 in\r\n").unwrap();
                    }
                }
            }
        }
        got
    });
    let mut ftp = Ftp::connect("127.0.0.1", port, &Options::default())
        .await
        .unwrap();
    ftp.login("", "", "").await.unwrap();
    drop(ftp);
    // (FEAT before login: HOST is sent when the server lists it.)
    assert_eq!(server.join().unwrap(), b"FEAT\r\nUSER anonymous\r\n");
}

/// Control and passive data connections leave from the source address.
#[twin_test(run)]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib (the README's test command runs it)"
)]
async fn source_address_is_used() {
    let server = PyFtpd::start("127.0.0.1");
    std::fs::write(server.path("f"), b"data").unwrap();
    let source = "127.0.0.1".parse().unwrap();
    let mut ftp = Ftp::connect(
        "127.0.0.1",
        server.port,
        &Options::default().source_address(source),
    )
    .await
    .unwrap();
    ftp.login("", "", "").await.unwrap();
    let mut back = Vec::new();
    ftp.retrbinary("RETR f", &mut back, None).await.unwrap();
    assert_eq!(back, b"data");
    // No address of the server's family matches an IPv6 source.
    let e = Ftp::connect(
        "127.0.0.1",
        server.port,
        &Options::default().source_address("::1".parse().unwrap()),
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("no address"), "{e}");
    // Nothing listens: a clear error naming the address.
    let (l, port) = listener();
    drop(l);
    let e = Ftp::connect("127.0.0.1", port, &Options::default())
        .await
        .unwrap_err();
    assert!(e.to_string().contains(&format!("127.0.0.1:{port}")), "{e}");
}
