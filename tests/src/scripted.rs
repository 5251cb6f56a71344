//! Scripted servers of the tests themselves: [`Scripted`], the one
//! loopback server whose connections a test's own function serves (or a
//! table of replies by command), and on it the hostile listings; the CCC
//! server.

use super::*;

/// A server of the test's own on a free loopback port: up to
/// `connections` connections, each served by `serve` on a thread of its
/// own. What it does is the test's: answer by command
/// ([`Scripted::by_command`]), stay silent, trickle, answer a proxy's
/// handshake wrongly.
pub struct Scripted {
    /// The port it listens on.
    pub port: u16,
}

impl Scripted {
    /// Serves up to `connections` connections with `serve`.
    pub fn start(
        connections: usize,
        serve: impl Fn(std::net::TcpStream) + Send + Sync + 'static,
    ) -> Scripted {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().expect("its address").port();
        let serve = std::sync::Arc::new(serve);
        std::thread::spawn(move || {
            for _ in 0..connections {
                let Ok((stream, _)) = listener.accept() else {
                    return;
                };
                let serve = serve.clone();
                std::thread::spawn(move || serve(stream));
            }
        });
        Scripted { port }
    }

    /// One connection served by `serve` on a thread of its own: the port,
    /// and the thread (joining it gives what `serve` returned, or its
    /// panic).
    pub fn once<T: Send + 'static>(
        serve: impl FnOnce(std::net::TcpStream) -> T + Send + 'static,
    ) -> (u16, std::thread::JoinHandle<T>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
        let port = listener.local_addr().expect("its address").port();
        let thread = std::thread::spawn(move || {
            let (stream, _) = listener.accept().expect("the client's connection");
            serve(stream)
        });
        (port, thread)
    }

    /// One connection answered by command: `welcome` first, then for each
    /// line the reply `replies` gives its first word (`default` for the
    /// others), at most 20 lines.
    pub fn by_command(
        welcome: &'static str,
        replies: &'static [(&'static str, &'static str)],
        default: &'static str,
    ) -> Scripted {
        Scripted::start(1, move |stream| {
            let Ok(mut w) = stream.try_clone() else {
                return;
            };
            let mut r = BufReader::new(stream);
            let _ = w.write_all(welcome.as_bytes());
            for _ in 0..20 {
                let mut line = String::new();
                if r.read_line(&mut line).unwrap_or(0) == 0 {
                    break;
                }
                let word = line.split_whitespace().next().unwrap_or("");
                let reply = replies
                    .iter()
                    .find(|(command, _)| *command == word)
                    .map_or(default, |(_, reply)| *reply);
                if w.write_all(reply.as_bytes()).is_err() {
                    break;
                }
            }
        })
    }
}

/// A scripted hostile server on a loopback port: it answers every listing
/// with evil names (`../evil`, `a/../../b`, absolute paths, NUL, `..`,
/// backslashes) plus `ok.txt` and a `sub` directory, and every RETR with
/// `pwned`, by MLSD or (without MLST in FEAT) by LIST. Serves up to 20
/// connections.
pub fn hostile_ftpd(mlsd: bool) -> u16 {
    Scripted::start(20, move |s| serve_hostile(s, mlsd)).port
}

fn evil_names(dir: &str) -> Vec<(&'static str, &'static str)> {
    let mut names = vec![
        ("file", "../evil"),
        ("file", "a/../../b"),
        ("file", "/tmp/ftp-rs-absolute"),
        ("file", "nul\0name"),
        ("file", "..\\..\\win"),
        ("dir", ".."),
        ("dir", "."),
        ("dir", "../up"),
        ("file", "ok.txt"),
    ];
    if dir == "/" {
        names.push(("dir", "sub"));
    }
    names
}

fn serve_hostile(s: std::net::TcpStream, mlsd: bool) {
    let mut w = s.try_clone().unwrap();
    let mut r = BufReader::new(s);
    let mut data: Option<TcpListener> = None;
    let mut cwd = "/".to_string();
    let _ = w.write_all(b"220 hostile\r\n");
    for _ in 0..500 {
        let mut line = String::new();
        if r.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let line = line.trim_end();
        let (cmd, arg) = line.split_once(' ').unwrap_or((line, ""));
        let reply = match cmd {
            "USER" => "230 welcome".to_string(),
            "PWD" => format!("257 \"{cwd}\""),
            "CWD" => {
                cwd = if arg.starts_with('/') {
                    arg.to_string()
                } else {
                    format!("/{arg}")
                };
                "250 ok".to_string()
            }
            "FEAT" if mlsd => "211-Features:\r\n MLST type*;size*;modify*;\r\n211 End".to_string(),
            "FEAT" => "211-Features:\r\n SIZE\r\n211 End".to_string(),
            "TYPE" | "OPTS" => "200 ok".to_string(),
            "SIZE" => "213 6".to_string(),
            "MDTM" => "213 20200101000000".to_string(),
            "EPSV" => {
                let l = TcpListener::bind("127.0.0.1:0").unwrap();
                let p = l.local_addr().unwrap().port();
                data = Some(l);
                format!("229 Entering Extended Passive Mode (|||{p}|)")
            }
            "MLSD" | "LIST" | "RETR" => {
                let Some(l) = data.take() else {
                    let _ = w.write_all(b"425 no data connection\r\n");
                    continue;
                };
                let _ = w.write_all(b"150 here\r\n");
                let Ok((mut d, _)) = l.accept() else { return };
                // MLSD and LIST list the path they are given, else the
                // current directory.
                let dir = if cmd != "RETR" && !arg.is_empty() {
                    match arg.trim_end_matches('/') {
                        "" => "/".to_string(),
                        d => d.to_string(),
                    }
                } else {
                    cwd.clone()
                };
                let body = match cmd {
                    "RETR" => "pwned\n".to_string(),
                    "MLSD" => evil_names(&dir)
                        .iter()
                        .map(|(t, n)| format!("type={t};size=6;modify=20200101000000; {n}\r\n"))
                        .collect(),
                    _ => evil_names(&dir)
                        .iter()
                        .map(|(t, n)| {
                            let k = if *t == "dir" { 'd' } else { '-' };
                            format!("{k}rw-r--r--   1 u g 6 Jan 01  2020 {n}\r\n")
                        })
                        .collect(),
                };
                let _ = d.write_all(body.as_bytes());
                drop(d);
                "226 done".to_string()
            }
            "QUIT" => {
                let _ = w.write_all(b"221 bye\r\n");
                return;
            }
            _ => "502 no".to_string(),
        };
        if w.write_all(format!("{reply}\r\n").as_bytes()).is_err() {
            return;
        }
    }
}

/// A scripted FTPS server that does CCC (vsftpd and pyftpdlib do not): on
/// 127.0.0.1, one session: `220`, `FEAT` → `211` (AUTH TLS alone), `AUTH
/// TLS` → `234` and the handshake,
/// `USER` → `230`, `CWD` → `200` and 300 ms later a stray `250`, `PWD` →
/// `257`, `CCC` → `200`, then its close_notify (after the client's) and
/// clear text again: `NOOP` → `200`, `QUIT` → `221`. Each
/// command it read goes into the returned log, `(command, over TLS)`.
pub struct CccFtpd {
    /// The port it listens on.
    pub port: u16,
    /// The CA certificate to verify it with.
    pub certs: Certs,
    log: std::sync::Arc<std::sync::Mutex<Vec<(String, bool)>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl CccFtpd {
    /// Starts it; it serves one session.
    pub fn start() -> CccFtpd {
        use ftp_std::rustls;
        use rustls::pki_types::pem::PemObject;
        use std::io::{BufRead, BufReader, Write};
        let certs = Certs::generate();
        let chain = rustls::pki_types::CertificateDer::pem_file_iter(&certs.cert)
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let key = rustls::pki_types::PrivateKeyDer::from_pem_file(&certs.key).unwrap();
        let config = std::sync::Arc::new(
            rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .unwrap(),
        );
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let record = log.clone();
        let thread = std::thread::spawn(move || {
            let Ok((mut tcp, _)) = listener.accept() else {
                return;
            };
            tcp.set_read_timeout(Some(std::time::Duration::from_secs(10)))
                .unwrap();
            let say = |w: &mut dyn Write, text: &str| {
                let _ = w.write_all(format!("{text}\r\n").as_bytes());
                let _ = w.flush();
            };
            // Up to ten clear-text commands, each recorded and answered
            // with `answer`'s reply until it says the phase is over;
            // false when the client went away first.
            type Answer<'a> = &'a dyn Fn(&str) -> (Option<&'static str>, bool);
            let clear_phase = |tcp: &mut std::net::TcpStream, answer: Answer| -> bool {
                let mut clear = BufReader::new(tcp.try_clone().unwrap());
                for _ in 0..10 {
                    let mut line = String::new();
                    if clear.read_line(&mut line).unwrap_or(0) == 0 {
                        return false;
                    }
                    let cmd = line.trim_end().to_string();
                    record.lock().unwrap().push((cmd.clone(), false));
                    let (reply, over) = answer(&cmd);
                    if let Some(text) = reply {
                        say(tcp, text);
                    }
                    if over {
                        break;
                    }
                }
                true
            };
            say(&mut tcp, "220 ccc test server");
            // Clear text until AUTH TLS (FEAT answered on the way).
            let until_auth: Answer = &|cmd| match cmd {
                "FEAT" => (Some("211-Features:\r\n AUTH TLS\r\n211 End"), false),
                _ if cmd.starts_with("AUTH") => (None, true),
                _ => (Some("500 not now"), false),
            };
            if !clear_phase(&mut tcp, until_auth) {
                return;
            }
            say(&mut tcp, "234 go ahead");
            let mut conn = rustls::ServerConnection::new(config).unwrap();
            let mut tls = rustls::Stream::new(&mut conn, &mut tcp);
            let mut buf = Vec::new();
            // USER, then CCC, over TLS; a byte at a time.
            for _ in 0..1000 {
                let mut byte = [0u8; 1];
                match std::io::Read::read(&mut tls, &mut byte) {
                    Ok(1) => buf.push(byte[0]),
                    _ => return,
                }
                if !buf.ends_with(b"\r\n") {
                    continue;
                }
                let cmd = String::from_utf8_lossy(&buf).trim_end().to_string();
                buf.clear();
                record.lock().unwrap().push((cmd.clone(), true));
                if cmd.starts_with("CCC") {
                    say(&mut tls, "200 back to clear text");
                    break;
                }
                if cmd.starts_with("CWD") {
                    // A doubled reply, the second one late: stray.
                    say(&mut tls, "200 ok");
                    std::thread::sleep(std::time::Duration::from_millis(300));
                    say(&mut tls, "250 late twin");
                    continue;
                }
                if cmd.starts_with("PWD") {
                    say(&mut tls, "257 \"/\" is here");
                    continue;
                }
                say(&mut tls, "230 in");
            }
            // The client's close_notify, then ours.
            for _ in 0..100 {
                match conn.read_tls(&mut tcp) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {}
                }
                let Ok(state) = conn.process_new_packets() else {
                    return;
                };
                if state.peer_has_closed() {
                    break;
                }
            }
            conn.send_close_notify();
            while conn.wants_write() {
                if conn.write_tls(&mut tcp).is_err() {
                    return;
                }
            }
            // Clear text again.
            clear_phase(&mut tcp, &|cmd| match cmd {
                "QUIT" => (Some("221 bye"), true),
                _ => (Some("200 ok"), false),
            });
        });
        CccFtpd {
            port,
            certs,
            log,
            thread: Some(thread),
        }
    }

    /// The commands it read, each with whether it came over TLS (the
    /// session must be over when this is asked).
    pub fn finish(mut self) -> Vec<(String, bool)> {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        self.log.lock().unwrap().clone()
    }
}
