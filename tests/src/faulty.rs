//! A fault-injection FTP server for tests: a small, well-behaved server on
//! loopback (USER, PASS, ACCT, TYPE, PWD, CWD, SIZE, REST, EPSV, PASV,
//! PORT, EPRT, LIST, NLST, RETR, STOR, APPE, DELE, RNFR, RNTO, ABOR,
//! QUIT) whose replies and data connections misbehave as a [`Faults`]
//! says. It records every byte the client sent, and keeps what was
//! stored.

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
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
    /// Bytes sent this long after the reply to a verb (a late second
    /// reply nobody asked for).
    pub late: Vec<(String, Duration, Vec<u8>)>,
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
    /// EPSV names a port nobody listens on (a closed passive range).
    pub epsv_closed_port: bool,
    /// EPSV names a port whose connects get no answer at all (a passive
    /// range a firewall drops): its listener's queue is full, so the
    /// kernel drops every new SYN.
    pub epsv_unanswered: bool,
    /// PASV is answered with a 229, as some servers do.
    pub pasv_answers_229: bool,
    /// Active mode: the data connection comes from this address (default
    /// 127.0.0.1, the control connection's).
    pub active_from: Option<IpAddr>,
    /// After this many stored files, STOR is answered `452 Insufficient
    /// storage space` (a full disk).
    pub full_after: Option<usize>,
    /// At most this many sessions at once; the next one is greeted with
    /// `421 Too many connections` and closed (a per-client limit).
    pub max_sessions: Option<usize>,
    /// Reads commands during a transfer, as servers built on an event
    /// loop do: a command that comes after the data ends, before the 226
    /// went out, is answered first (an EPSV its 229, then the 226).
    pub answers_during_transfer: bool,
    /// Transfer commands (RETR, LIST, NLST, STOR, APPE) answered with these raw
    /// bytes and no data connection (`NLST` -> `450 No files found`).
    pub transfer_replies: Vec<(String, Vec<u8>)>,
    /// RETR is answered `150` at once, without a data connection; the
    /// next command is read and, when it is ABOR, answered with these
    /// raw bytes (the transfer's final reply and ABOR's own).
    pub retr_until_abor: Option<Vec<u8>>,
    /// After EPSV or PASV, a command that is no transfer is answered only
    /// once the client connected to the announced port (and the
    /// connection ended), or when this long passed; then these raw bytes
    /// go out first when nobody connected (a reply about the abandoned
    /// passive request, as some server libraries send).
    pub passive_wait: Option<(Duration, Vec<u8>)>,
    /// Active mode: the transfer's 150 goes out, then no connection is
    /// made and `425 Can't open data connection.` follows after this long.
    pub active_refused_after_150: Option<Duration>,
    /// Active mode: the transfer's 150 goes out, then nothing at all (no
    /// connection, no reply) for 20 s.
    pub active_silent: bool,
    /// A STOR (or APPE) whose name contains the text is cut after this
    /// many bytes: what came is kept (as a server writes it), then the
    /// data connection is closed and `426` sent, or with `true` the
    /// control connection dropped too.
    pub stor_cut: Option<(String, usize, bool)>,
    /// The data transfers (RETR, STOR, APPE), in the order they come, are
    /// cut when the file reaches these sizes (from its first byte, so a
    /// resumed transfer is cut at the same place of the file): what came
    /// is kept, then the data and control connections are dropped.
    pub drops_at: Vec<usize>,
    /// These connections, counted from 1 in the order they come, are
    /// greeted with `421 Too many connections` and closed (a server that
    /// still counts a session that just dropped).
    pub refuse_connections: Vec<usize>,
    /// RNTO onto a name that exists is `550` (as IIS answers): a rename
    /// never replaces a file.
    pub rename_keeps_existing: bool,
}

/// What the server saw and keeps, shared by its sessions.
#[derive(Default)]
struct State {
    received: Mutex<Vec<u8>>,
    stored: Mutex<BTreeMap<String, Vec<u8>>>,
    stor_attempts: AtomicUsize,
    /// How many of [`Faults::drops_at`] were used.
    drops_done: AtomicUsize,
    sessions: AtomicUsize,
    connections: AtomicUsize,
    most_sessions: AtomicUsize,
    refused_sessions: AtomicUsize,
}

/// The running server. Dropping it stops accepting new connections.
pub struct FaultyFtpd {
    /// Its port on 127.0.0.1.
    pub port: u16,
    state: Arc<State>,
}

impl FaultyFtpd {
    /// Starts the server; it serves up to 64 connections.
    pub fn start(faults: Faults) -> FaultyFtpd {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let state = Arc::new(State::default());
        let shared = state.clone();
        let faults = Arc::new(faults);
        std::thread::spawn(move || {
            for _ in 0..64 {
                let Ok((mut stream, _)) = listener.accept() else {
                    return;
                };
                let nth = shared.connections.fetch_add(1, Ordering::SeqCst) + 1;
                if faults.refuse_connections.contains(&nth) {
                    shared.refused_sessions.fetch_add(1, Ordering::SeqCst);
                    let _ = stream.write_all(b"421 Too many connections from your address.\r\n");
                    continue;
                }
                let now = shared.sessions.fetch_add(1, Ordering::SeqCst) + 1;
                if faults.max_sessions.is_some_and(|max| now > max) {
                    shared.sessions.fetch_sub(1, Ordering::SeqCst);
                    shared.refused_sessions.fetch_add(1, Ordering::SeqCst);
                    let _ = stream.write_all(b"421 Too many connections from your address.\r\n");
                    continue;
                }
                shared.most_sessions.fetch_max(now, Ordering::SeqCst);
                let (faults, state) = (faults.clone(), shared.clone());
                std::thread::spawn(move || {
                    let _ = Session::new(stream, faults, state.clone()).run();
                    state.sessions.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        FaultyFtpd { port, state }
    }

    /// Everything the clients sent on control connections so far.
    pub fn received(&self) -> Vec<u8> {
        self.state
            .received
            .lock()
            .map(|r| r.clone())
            .unwrap_or_default()
    }

    /// The files stored so far, by the name STOR gave.
    pub fn stored(&self) -> BTreeMap<String, Vec<u8>> {
        self.state
            .stored
            .lock()
            .map(|s| s.clone())
            .unwrap_or_default()
    }

    /// How many STOR commands arrived.
    pub fn stor_attempts(&self) -> usize {
        self.state.stor_attempts.load(Ordering::SeqCst)
    }

    /// The most sessions served at once.
    pub fn most_sessions(&self) -> usize {
        self.state.most_sessions.load(Ordering::SeqCst)
    }

    /// Connections greeted with 421 for the session limit.
    pub fn refused_sessions(&self) -> usize {
        self.state.refused_sessions.load(Ordering::SeqCst)
    }
}

struct Session {
    control: TcpStream,
    faults: Arc<Faults>,
    state: Arc<State>,
    passive: Option<TcpListener>,
    /// The address a PORT/EPRT named.
    active: Option<SocketAddr>,
    /// The offset a REST named, for the next transfer.
    rest: usize,
    /// A listener with a full queue, and what fills it.
    black_hole: Option<(socket2::Socket, Vec<TcpStream>)>,
    /// A command read during a transfer and not answered there.
    pending: Option<String>,
    /// The name an RNFR named, for the RNTO after it.
    rename_from: Option<String>,
}

/// A listening port that answers no connection: a backlog of 0, filled by
/// connections nobody accepts, so the kernel drops later SYNs.
fn black_hole() -> std::io::Result<(socket2::Socket, Vec<TcpStream>, u16)> {
    let socket = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None)?;
    socket.bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())?;
    socket.listen(0)?;
    let addr = socket
        .local_addr()?
        .as_socket()
        .ok_or_else(|| std::io::Error::other("no address"))?;
    let mut fillers = Vec::new();
    for _ in 0..2 {
        match TcpStream::connect_timeout(&addr, Duration::from_millis(200)) {
            Ok(s) => fillers.push(s),
            Err(_) => break,
        }
    }
    Ok((socket, fillers, addr.port()))
}

/// `h1,h2,h3,h4,p1,p2` of PORT, or `|af|addr|port|` of EPRT.
fn parse_port(verb: &str, arg: &str) -> Option<SocketAddr> {
    if verb == "PORT" {
        let n: Vec<u16> = arg
            .split(',')
            .map(|p| p.trim().parse().ok())
            .collect::<Option<_>>()?;
        let [a, b, c, d, p1, p2] = n[..] else {
            return None;
        };
        let ip = IpAddr::from([a as u8, b as u8, c as u8, d as u8]);
        return Some(SocketAddr::new(ip, p1 * 256 + p2));
    }
    let d = arg.chars().next()?;
    let parts: Vec<&str> = arg.split(d).collect();
    let [_, _, addr, port, _] = parts[..] else {
        return None;
    };
    Some(SocketAddr::new(addr.parse().ok()?, port.parse().ok()?))
}

impl Session {
    fn new(control: TcpStream, faults: Arc<Faults>, state: Arc<State>) -> Session {
        let _ = control.set_nodelay(true);
        let _ = control.set_read_timeout(Some(Duration::from_secs(30)));
        Session {
            control,
            faults,
            state,
            passive: None,
            active: None,
            rest: 0,
            rename_from: None,
            black_hole: None,
            pending: None,
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

    /// True when [`Faults::replies`] answers `verb` with a refusal (4xx,
    /// 5xx): the command then changes nothing.
    fn refused(&self, verb: &str) -> bool {
        self.faults
            .replies
            .iter()
            .any(|(v, raw)| v == verb && matches!(raw.first(), Some(b'4' | b'5')))
    }

    fn reply(&mut self, verb: &str, normal: &str) -> std::io::Result<()> {
        if let Some((_, raw)) = self.faults.replies.iter().find(|(v, _)| v == verb) {
            let raw = raw.clone();
            self.send_raw(&raw)?;
        } else {
            let end = if self.faults.lf_only { "\n" } else { "\r\n" };
            self.send_raw(format!("{normal}{end}").as_bytes())?;
        }
        if let Some((_, after, bytes)) = self.faults.late.iter().find(|(v, _, _)| v == verb) {
            let (after, bytes) = (*after, bytes.clone());
            let mut control = self.control.try_clone()?;
            std::thread::spawn(move || {
                std::thread::sleep(after);
                let _ = control.write_all(&bytes);
            });
        }
        Ok(())
    }

    /// One command line (bounded), or `None` at the end.
    fn line(&mut self) -> Option<String> {
        let mut line = Vec::new();
        let mut byte = [0u8; 1];
        let mut ended = false;
        while line.len() < 4096 {
            match self.control.read(&mut byte) {
                Ok(1) => {
                    line.push(byte[0]);
                    if byte[0] == b'\n' {
                        break;
                    }
                }
                _ => {
                    ended = true;
                    break;
                }
            }
        }
        // Logged a line at a time: the lines of connections running side
        // by side do not mix.
        if let Ok(mut log) = self.state.received.lock() {
            log.extend_from_slice(&line);
        }
        if ended {
            return None;
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
            let Some(line) = self.pending.take().or_else(|| self.line()) else {
                return Ok(());
            };
            let (verb, arg) = line.split_once(' ').unwrap_or((line.as_str(), ""));
            let verb = verb.to_ascii_uppercase();
            let transfer = matches!(verb.as_str(), "RETR" | "LIST" | "NLST" | "STOR" | "APPE");
            if !transfer && !matches!(verb.as_str(), "EPSV" | "PASV" | "PORT" | "EPRT") {
                self.wait_for_passive()?;
            }
            if transfer
                && let Some((_, raw)) = self
                    .faults
                    .transfer_replies
                    .iter()
                    .find(|(v, _)| *v == verb)
            {
                let raw = raw.clone();
                self.passive = None;
                self.active = None;
                self.send_raw(&raw)?;
                continue;
            }
            if verb == "RETR"
                && let Some(raw) = self.faults.retr_until_abor.clone()
            {
                self.send_raw(b"150 Opening BINARY mode data connection.\r\n")?;
                match self.line() {
                    Some(next) if next.trim().eq_ignore_ascii_case("ABOR") => {
                        self.send_raw(&raw)?
                    }
                    Some(next) => self.pending = Some(next),
                    None => return Ok(()),
                }
                self.passive = None;
                continue;
            }
            match verb.as_str() {
                "USER" => self.reply("USER", "331 password please")?,
                "PASS" => self.reply("PASS", "230 logged in")?,
                "ACCT" => self.reply("ACCT", "230 account ok")?,
                "TYPE" => self.reply("TYPE", "200 type set")?,
                "PWD" => self.reply("PWD", "257 \"/\" is the directory")?,
                "CWD" => self.reply("CWD", "250 ok")?,
                "NOOP" => self.reply("NOOP", "200 ok")?,
                "MKD" => self.reply("MKD", &format!("257 \"/{arg}\" created"))?,
                "SIZE" => {
                    let stored = self
                        .state
                        .stored
                        .lock()
                        .ok()
                        .and_then(|s| s.get(arg).map(Vec::len));
                    let normal = format!("213 {}", stored.unwrap_or(self.faults.file.len()));
                    self.reply("SIZE", &normal)?
                }
                "REST" => {
                    // A REST answered with a scripted refusal sets nothing,
                    // as on a real server.
                    if !self.faults.replies.iter().any(|(v, _)| v == "REST") {
                        self.rest = arg.parse().unwrap_or(0);
                    }
                    self.reply("REST", &format!("350 Restarting at {}", self.rest))?
                }
                "PORT" | "EPRT" => match parse_port(&verb, arg) {
                    Some(addr) => {
                        self.active = Some(addr);
                        self.passive = None;
                        self.reply(&verb, "200 PORT command successful")?
                    }
                    None => self.reply(&verb, "501 bad address")?,
                },
                "ABOR" => self.reply("ABOR", "225 no transfer to abort")?,
                "EPSV" if self.faults.no_epsv => self.reply("EPSV", "500 EPSV not understood")?,
                "EPSV" => self.epsv()?,
                "PASV" => {
                    let l = TcpListener::bind("127.0.0.1:0")?;
                    let mut p = l.local_addr()?.port();
                    if self.faults.pasv_closed_port {
                        let closed = TcpListener::bind("127.0.0.1:0")?;
                        p = closed.local_addr()?.port();
                    }
                    self.passive = Some(l);
                    self.active = None;
                    if self.faults.pasv_answers_229 {
                        let msg = format!("229 Entering Extended Passive Mode (|||{p}|)");
                        self.reply("PASV", &msg)?;
                        continue;
                    }
                    let [a, b, c, d] = self.faults.pasv_host.unwrap_or([127, 0, 0, 1]);
                    let msg = format!(
                        "227 Entering Passive Mode ({a},{b},{c},{d},{},{})",
                        p >> 8,
                        p & 0xff
                    );
                    self.reply("PASV", &msg)?
                }
                "RETR" | "LIST" | "NLST" => self.send_data(&verb)?,
                "DELE" => {
                    let gone = self
                        .state
                        .stored
                        .lock()
                        .ok()
                        .and_then(|mut s| s.remove(arg));
                    match gone {
                        Some(_) => self.reply("DELE", "250 deleted")?,
                        None => self.reply("DELE", "550 no such file")?,
                    }
                }
                "RNFR" => {
                    let known = self.state.stored.lock().is_ok_and(|s| s.contains_key(arg));
                    if known {
                        self.rename_from = Some(arg.to_string());
                        self.reply("RNFR", "350 ready for RNTO")?
                    } else {
                        self.reply("RNFR", "550 no such file")?
                    }
                }
                "RNTO" => match self.rename_from.take() {
                    Some(_) if self.refused("RNTO") => self.reply("RNTO", "")?,
                    Some(_)
                        if self.faults.rename_keeps_existing
                            && self.state.stored.lock().is_ok_and(|s| s.contains_key(arg)) =>
                    {
                        self.reply(
                            "RNTO",
                            "550 Cannot create a file when that file already exists.",
                        )?
                    }
                    Some(from) => {
                        if let Ok(mut stored) = self.state.stored.lock()
                            && let Some(data) = stored.remove(&from)
                        {
                            stored.insert(arg.to_string(), data);
                        }
                        self.reply("RNTO", "250 renamed")?
                    }
                    None => self.reply("RNTO", "503 RNFR first")?,
                },
                "STOR" => self.receive_data(arg, false)?,
                "APPE" => self.receive_data(arg, true)?,
                "QUIT" => {
                    self.reply("QUIT", "221 bye")?;
                    return Ok(());
                }
                _ => self.reply(&verb, "502 not implemented")?,
            }
        }
        Ok(())
    }

    /// [`Faults::passive_wait`]: waits for the connection an EPSV or PASV
    /// announced (and its end) before a command that is no transfer.
    fn wait_for_passive(&mut self) -> std::io::Result<()> {
        let Some((wait, late)) = self.faults.passive_wait.clone() else {
            return Ok(());
        };
        let Some(listener) = self.passive.take() else {
            return Ok(());
        };
        listener.set_nonblocking(true)?;
        let start = std::time::Instant::now();
        while start.elapsed() < wait {
            if let Ok((mut s, _)) = listener.accept() {
                // Its end: a client that opened it only to close it.
                let _ = s.set_nonblocking(false);
                let _ = s.set_read_timeout(Some(wait));
                let _ = s.read(&mut [0u8; 64]);
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        self.send_raw(&late)
    }

    fn data_connection(&mut self) -> Option<TcpStream> {
        if let (Some(_), Some(after)) = (self.active, self.faults.active_refused_after_150) {
            self.active = None;
            let _ = self.send_raw(b"150 Opening data connection.\r\n");
            std::thread::sleep(after);
            return None;
        }
        if self.active.is_some() && self.faults.active_silent {
            self.active = None;
            let _ = self.send_raw(b"150 Opening data connection.\r\n");
            std::thread::sleep(Duration::from_secs(20));
            return None;
        }
        if let Some(addr) = self.active.take() {
            // From where the faults say (another loopback address: a
            // stranger feeding the client).
            let from = self
                .faults
                .active_from
                .unwrap_or(IpAddr::from([127, 0, 0, 1]));
            let socket =
                socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).ok()?;
            socket.bind(&SocketAddr::new(from, 0).into()).ok()?;
            socket
                .connect_timeout(&addr.into(), Duration::from_secs(5))
                .ok()?;
            return Some(socket.into());
        }
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

    fn epsv(&mut self) -> std::io::Result<()> {
        let l = TcpListener::bind("127.0.0.1:0")?;
        let mut p = l.local_addr()?.port();
        if self.faults.epsv_closed_port {
            let closed = TcpListener::bind("127.0.0.1:0")?;
            p = closed.local_addr()?.port();
        }
        if self.faults.epsv_unanswered {
            let (socket, fillers, port) = black_hole()?;
            self.black_hole = Some((socket, fillers));
            p = port;
        }
        self.passive = Some(l);
        self.active = None;
        self.reply(
            "EPSV",
            &format!("229 Entering Extended Passive Mode (|||{p}|)"),
        )
    }

    /// An event-loop server's way: a command that came while the data
    /// went out is answered before the transfer's final reply.
    fn answer_during_transfer(&mut self) -> std::io::Result<()> {
        if !self.faults.answers_during_transfer {
            return Ok(());
        }
        // Briefly: a client that sends nothing gets its 226 in time.
        self.control
            .set_read_timeout(Some(Duration::from_millis(300)))?;
        let line = self.line();
        self.control
            .set_read_timeout(Some(Duration::from_secs(30)))?;
        match line {
            Some(l) if l.eq_ignore_ascii_case("EPSV") => self.epsv(),
            other => {
                self.pending = other;
                Ok(())
            }
        }
    }

    fn send_data(&mut self, verb: &str) -> std::io::Result<()> {
        let rest = std::mem::take(&mut self.rest);
        let body = if verb == "RETR" {
            self.faults.file.get(rest..).unwrap_or_default().to_vec()
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
            match self.next_drop() {
                Some(at) => DataFault::DropControl(at.saturating_sub(rest)),
                None => self.faults.data.clone(),
            }
        } else {
            DataFault::None
        };
        match fault {
            DataFault::None => {
                // A client that resets the data connection (it has the
                // range it wanted) gets the 426 real servers send.
                if data.write_all(&body).is_err() {
                    return self.reply("426", "426 Failure writing network stream");
                }
                drop(data);
                self.answer_during_transfer()?;
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

    /// The next of [`Faults::drops_at`], if any is left.
    fn next_drop(&self) -> Option<usize> {
        if self.faults.drops_at.is_empty() {
            return None;
        }
        let n = self.state.drops_done.fetch_add(1, Ordering::SeqCst);
        self.faults.drops_at.get(n).copied()
    }

    fn receive_data(&mut self, name: &str, append: bool) -> std::io::Result<()> {
        let before = self.state.stor_attempts.fetch_add(1, Ordering::SeqCst);
        if self.faults.full_after.is_some_and(|n| before >= n) {
            self.passive = None;
            self.active = None;
            return self.reply("452", "452 Insufficient storage space");
        }
        let Some(mut data) = self.data_connection() else {
            return self.reply("425", "425 no data connection");
        };
        self.reply("STOR", "150 send it")?;
        let mut sink = Vec::new();
        // Where the file stands before these bytes: a cut of
        // `drops_at` is at a size of the file.
        let has = if append {
            self.state
                .stored
                .lock()
                .ok()
                .and_then(|s| s.get(name).map(Vec::len))
                .unwrap_or(0)
        } else {
            self.rest
        };
        let cut = match self.next_drop() {
            Some(at) => Some((at.saturating_sub(has), true)),
            None => self
                .faults
                .stor_cut
                .as_ref()
                .filter(|(part, _, _)| name.contains(part.as_str()))
                .map(|(_, at, drop_control)| (*at, *drop_control)),
        };
        match cut {
            Some((at, _)) => {
                (&mut data).take(at as u64).read_to_end(&mut sink)?;
            }
            None => {
                data.read_to_end(&mut sink)?;
            }
        }
        let rest = std::mem::take(&mut self.rest);
        if let Ok(mut stored) = self.state.stored.lock() {
            let file = stored.entry(name.to_string()).or_default();
            if append {
                file.extend_from_slice(&sink);
            } else {
                // From the REST offset on, as a server writes in place.
                file.truncate(rest);
                file.resize(rest, 0);
                file.extend_from_slice(&sink);
            }
        }
        if let Some((_, drop_control)) = cut {
            let _ = data.shutdown(Shutdown::Both);
            drop(data);
            if drop_control {
                let _ = self.control.shutdown(Shutdown::Both);
                return Err(std::io::Error::other("dropped on purpose"));
            }
            return self.reply("426", "426 Connection closed; transfer aborted.");
        }
        self.reply("226", "226 stored")
    }
}
