//! A fault-injection FTP server for tests: a small, well-behaved server on
//! loopback (USER, PASS, ACCT, TYPE, PWD, CWD, SIZE, EPSV, PASV, LIST,
//! NLST, RETR, STOR, QUIT) whose replies and data connections misbehave as
//! a [`Faults`] says. It records every byte the client sent.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How the data connection of a RETR (or LIST/NLST) misbehaves.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum DataFault {
    /// Sends everything, then 226.
    #[default]
    None,
    /// Sends this many bytes, closes the data connection, then 226.
    CloseEarly(usize),
    /// Sends this many bytes, closes, then `426 Connection closed`.
    Abort426(usize),
    /// Sends everything, closes, and never sends the final reply.
    NoFinalReply,
    /// Sends this many bytes, then drops the control and data connections.
    DropControl(usize),
}

/// What goes wrong, and where.
#[derive(Clone, Debug, Default)]
pub struct Faults {
    /// The welcome, raw (default `220 faulty server\r\n`).
    pub welcome: Option<Vec<u8>>,
    /// Raw replies by command verb (upper case), instead of the normal ones.
    pub replies: Vec<(String, Vec<u8>)>,
    /// Accept and never say anything.
    pub silent: bool,
    /// Send every reply one byte at a time with this pause between bytes.
    pub trickle: Option<Duration>,
    /// After the welcome, send a continuation line of an unfinished
    /// multi-line reply this often, forever (`220-` welcome never closed).
    pub endless_multiline: Option<Duration>,
    /// Line ends of the normal replies: `\n` instead of `\r\n`.
    pub lf_only: bool,
    /// The host a 227 reply names (default the loopback address).
    pub pasv_host: Option<[u8; 4]>,
    /// Send the 227 with a port nobody listens on.
    pub pasv_closed_port: bool,
    /// Refuse EPSV (500), so the client falls back to PASV.
    pub no_epsv: bool,
    /// The data fault of RETR.
    pub data: DataFault,
    /// Send `200 odd` before the 150 of a transfer.
    pub completion_before_preliminary: bool,
    /// The file RETR serves (its size is announced in the 150).
    pub file: Vec<u8>,
    /// The raw bytes of LIST and NLST.
    pub listing: Vec<u8>,
}

/// The running server. Dropping it stops accepting new connections.
pub struct FaultyFtpd {
    /// Its port on 127.0.0.1.
    pub port: u16,
    received: Arc<Mutex<Vec<u8>>>,
}

impl FaultyFtpd {
    /// Starts the server; it serves up to 16 connections.
    pub fn start(faults: Faults) -> FaultyFtpd {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        let faults = Arc::new(faults);
        std::thread::spawn(move || {
            for _ in 0..16 {
                let Ok((stream, _)) = listener.accept() else {
                    return;
                };
                let (faults, log) = (faults.clone(), log.clone());
                std::thread::spawn(move || {
                    let _ = Session::new(stream, faults, log).run();
                });
            }
        });
        FaultyFtpd { port, received }
    }

    /// Everything the clients sent on control connections so far.
    pub fn received(&self) -> Vec<u8> {
        self.received.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

struct Session {
    control: TcpStream,
    faults: Arc<Faults>,
    log: Arc<Mutex<Vec<u8>>>,
    passive: Option<TcpListener>,
}

impl Session {
    fn new(control: TcpStream, faults: Arc<Faults>, log: Arc<Mutex<Vec<u8>>>) -> Session {
        let _ = control.set_nodelay(true);
        let _ = control.set_read_timeout(Some(Duration::from_secs(30)));
        Session {
            control,
            faults,
            log,
            passive: None,
        }
    }

    fn send_raw(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self.faults.trickle {
            Some(pause) => {
                for b in bytes {
                    self.control.write_all(&[*b])?;
                    std::thread::sleep(pause);
                }
                Ok(())
            }
            None => self.control.write_all(bytes),
        }
    }

    fn reply(&mut self, verb: &str, normal: &str) -> std::io::Result<()> {
        if let Some((_, raw)) = self.faults.replies.iter().find(|(v, _)| v == verb) {
            let raw = raw.clone();
            return self.send_raw(&raw);
        }
        let end = if self.faults.lf_only { "\n" } else { "\r\n" };
        self.send_raw(format!("{normal}{end}").as_bytes())
    }

    /// One command line (bounded), or `None` at the end.
    fn line(&mut self) -> Option<String> {
        let mut line = Vec::new();
        let mut byte = [0u8; 1];
        while line.len() < 4096 {
            match self.control.read(&mut byte) {
                Ok(1) => {
                    line.push(byte[0]);
                    if let Ok(mut log) = self.log.lock() {
                        log.push(byte[0]);
                    }
                    if byte[0] == b'\n' {
                        break;
                    }
                }
                _ => return None,
            }
        }
        Some(String::from_utf8_lossy(&line).trim_end().to_string())
    }

    fn run(mut self) -> std::io::Result<()> {
        if self.faults.silent {
            std::thread::sleep(Duration::from_secs(20));
            return Ok(());
        }
        let welcome = self
            .faults
            .welcome
            .clone()
            .unwrap_or_else(|| b"220 faulty server\r\n".to_vec());
        self.send_raw(&welcome)?;
        if let Some(every) = self.faults.endless_multiline {
            for i in 0..2000 {
                self.send_raw(format!(" still talking {i}\r\n").as_bytes())?;
                std::thread::sleep(every);
            }
            return Ok(());
        }
        for _ in 0..200 {
            let Some(line) = self.line() else {
                return Ok(());
            };
            let (verb, arg) = line.split_once(' ').unwrap_or((line.as_str(), ""));
            let verb = verb.to_ascii_uppercase();
            match verb.as_str() {
                "USER" => self.reply("USER", "331 password please")?,
                "PASS" => self.reply("PASS", "230 logged in")?,
                "ACCT" => self.reply("ACCT", "230 account ok")?,
                "TYPE" => self.reply("TYPE", "200 type set")?,
                "PWD" => self.reply("PWD", "257 \"/\" is the directory")?,
                "CWD" => self.reply("CWD", "250 ok")?,
                "NOOP" => self.reply("NOOP", "200 ok")?,
                "SIZE" => {
                    let normal = format!("213 {}", self.faults.file.len());
                    self.reply("SIZE", &normal)?
                }
                "EPSV" if self.faults.no_epsv => self.reply("EPSV", "500 EPSV not understood")?,
                "EPSV" => {
                    let l = TcpListener::bind("127.0.0.1:0")?;
                    let p = l.local_addr()?.port();
                    self.passive = Some(l);
                    self.reply(
                        "EPSV",
                        &format!("229 Entering Extended Passive Mode (|||{p}|)"),
                    )?
                }
                "PASV" => {
                    let l = TcpListener::bind("127.0.0.1:0")?;
                    let mut p = l.local_addr()?.port();
                    if self.faults.pasv_closed_port {
                        let closed = TcpListener::bind("127.0.0.1:0")?;
                        p = closed.local_addr()?.port();
                    }
                    self.passive = Some(l);
                    let [a, b, c, d] = self.faults.pasv_host.unwrap_or([127, 0, 0, 1]);
                    let msg = format!(
                        "227 Entering Passive Mode ({a},{b},{c},{d},{},{})",
                        p >> 8,
                        p & 0xff
                    );
                    self.reply("PASV", &msg)?
                }
                "RETR" | "LIST" | "NLST" => self.send_data(&verb)?,
                "STOR" => self.receive_data()?,
                "QUIT" => {
                    self.reply("QUIT", "221 bye")?;
                    return Ok(());
                }
                _ => self.reply(&verb, "502 not implemented")?,
            }
            let _ = arg;
        }
        Ok(())
    }

    fn data_connection(&mut self) -> Option<TcpStream> {
        let listener = self.passive.take()?;
        listener.set_nonblocking(false).ok()?;
        // Bounded: a client that never connects is given 5 s.
        let _ = listener.set_nonblocking(true);
        for _ in 0..500 {
            match listener.accept() {
                Ok((s, _)) => {
                    let _ = s.set_nonblocking(false);
                    return Some(s);
                }
                Err(_) => std::thread::sleep(Duration::from_millis(10)),
            }
        }
        None
    }

    fn send_data(&mut self, verb: &str) -> std::io::Result<()> {
        let body = if verb == "RETR" {
            self.faults.file.clone()
        } else {
            self.faults.listing.clone()
        };
        if self.faults.completion_before_preliminary {
            self.send_raw(b"200 odd, but harmless\r\n")?;
        }
        let Some(mut data) = self.data_connection() else {
            return self.reply("425", "425 no data connection");
        };
        let pre = format!("150 here it comes ({} bytes)", body.len());
        self.reply(verb, &pre)?;
        let fault = if verb == "RETR" {
            self.faults.data.clone()
        } else {
            DataFault::None
        };
        match fault {
            DataFault::None => {
                data.write_all(&body)?;
                drop(data);
                self.reply("226", "226 transfer complete")
            }
            DataFault::CloseEarly(n) => {
                data.write_all(&body[..n.min(body.len())])?;
                drop(data);
                self.reply("226", "226 transfer complete")
            }
            DataFault::Abort426(n) => {
                data.write_all(&body[..n.min(body.len())])?;
                drop(data);
                self.reply("426", "426 Connection closed; transfer aborted")
            }
            DataFault::NoFinalReply => {
                data.write_all(&body)?;
                drop(data);
                std::thread::sleep(Duration::from_secs(20));
                Ok(())
            }
            DataFault::DropControl(n) => {
                data.write_all(&body[..n.min(body.len())])?;
                let _ = self.control.shutdown(Shutdown::Both);
                let _ = data.shutdown(Shutdown::Both);
                Err(std::io::Error::other("dropped on purpose"))
            }
        }
    }

    fn receive_data(&mut self) -> std::io::Result<()> {
        let Some(mut data) = self.data_connection() else {
            return self.reply("425", "425 no data connection");
        };
        self.reply("STOR", "150 send it")?;
        let mut sink = Vec::new();
        data.read_to_end(&mut sink)?;
        self.reply("226", "226 stored")
    }
}
