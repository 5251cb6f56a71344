//! A TCP forwarder that puts a round-trip time between FTP clients and a
//! server on loopback (this kernel has no netem): every port given is
//! listened on at LISTEN and forwarded to the same port at TARGET (the
//! control port and the server's passive range), each byte delayed by
//! ONE_WAY_MS in each direction, optionally at most RATE Mbit/s per
//! connection and direction.
//!
//! A connection's handshake is modelled too: the client's connect
//! completes at once here (the kernel answers it), so the proxy connects
//! to the server one and a half round trips after accepting, when the
//! client's ACK would have reached it; what the client sends meanwhile
//! waits in the proxy. So a server's data, and its welcome, reach the
//! client two round trips after the connect, as over a real link.
//!
//! With `--trace FILE`, one line per delivered chunk: microseconds since
//! start, connection number, `c>s` or `s>c`, bytes (and `open PORT`,
//! `close` lines), for counting round trips.
//!
//! usage: rttproxy LISTEN TARGET PORTS ONE_WAY_MS [--rate-mbit R] [--trace FILE]
//!        PORTS: 2121,30000-30059

use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::net::{IpAddr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

struct Config {
    target: IpAddr,
    delay: Duration,
    /// Bytes per second per connection and direction.
    rate: Option<f64>,
    trace: Option<Mutex<BufWriter<File>>>,
    start: Instant,
    next_id: AtomicU64,
}

impl Config {
    fn trace(&self, id: u64, what: &str) {
        if let Some(t) = &self.trace {
            let us = self.start.elapsed().as_micros();
            let mut t = t.lock().unwrap();
            let _ = writeln!(t, "{us} {id} {what}");
            let _ = t.flush();
        }
    }
}

enum Chunk {
    Data(Instant, Vec<u8>),
    End(Instant),
}

fn sleep_until(when: Instant) {
    let now = Instant::now();
    if when > now {
        thread::sleep(when - now);
    }
}

/// Reads `from` into the delay line: each chunk is due `delay` after it
/// was read.
fn read_side(mut from: TcpStream, delay: Duration, line: SyncSender<Chunk>) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match from.read(&mut buf) {
            Ok(0) | Err(_) => {
                let _ = line.send(Chunk::End(Instant::now() + delay));
                return;
            }
            Ok(n) => {
                if line
                    .send(Chunk::Data(Instant::now() + delay, buf[..n].to_vec()))
                    .is_err()
                {
                    return;
                }
            }
        }
    }
}

/// Delivers the delay line to `to` on time (and no faster than the rate
/// cap); at its end, a FIN.
fn write_side(mut to: TcpStream, line: Receiver<Chunk>, cfg: &Config, id: u64, dir: &str) {
    let mut free_at = Instant::now();
    for chunk in line {
        match chunk {
            Chunk::Data(due, data) => {
                let start = due.max(free_at);
                sleep_until(start);
                if to.write_all(&data).is_err() {
                    let _ = to.shutdown(Shutdown::Both);
                    return;
                }
                cfg.trace(id, &format!("{dir} {}", data.len()));
                if let Some(rate) = cfg.rate {
                    free_at = start + Duration::from_secs_f64(data.len() as f64 / rate);
                }
            }
            Chunk::End(due) => {
                sleep_until(due.max(free_at));
                let _ = to.shutdown(Shutdown::Write);
                cfg.trace(id, &format!("{dir} end"));
                return;
            }
        }
    }
}

fn handle(client: TcpStream, port: u16, cfg: Arc<Config>) {
    let id = cfg.next_id.fetch_add(1, Ordering::Relaxed);
    let accepted = Instant::now();
    let _ = client.set_nodelay(true);
    cfg.trace(id, &format!("open {port}"));
    let (c2s_tx, c2s_rx) = sync_channel(1024);
    let reader = client.try_clone().expect("clone");
    let delay = cfg.delay;
    thread::spawn(move || read_side(reader, delay, c2s_tx));
    // The server sees the connection when the client's ACK would reach
    // it: one and a half round trips after the SYN.
    sleep_until(accepted + delay * 3);
    let server = match TcpStream::connect(SocketAddr::new(cfg.target, port)) {
        Ok(s) => s,
        Err(_) => {
            let _ = client.shutdown(Shutdown::Both);
            cfg.trace(id, "close");
            return;
        }
    };
    let _ = server.set_nodelay(true);
    let (s2c_tx, s2c_rx) = sync_channel(1024);
    let from_server = server.try_clone().expect("clone");
    thread::spawn(move || read_side(from_server, delay, s2c_tx));
    let back = {
        let cfg = cfg.clone();
        thread::spawn(move || write_side(client, s2c_rx, &cfg, id, "s>c"))
    };
    write_side(server, c2s_rx, &cfg, id, "c>s");
    let _ = back.join();
    cfg.trace(id, "close");
}

fn ports(spec: &str) -> Vec<u16> {
    let mut out = Vec::new();
    for part in spec.split(',').filter(|p| !p.is_empty()) {
        match part.split_once('-') {
            Some((a, b)) => {
                let (a, b): (u16, u16) = (a.parse().expect("port"), b.parse().expect("port"));
                out.extend(a..=b);
            }
            None => out.push(part.parse().expect("port")),
        }
    }
    out
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.len() < 4 {
        eprintln!(
            "usage: rttproxy LISTEN TARGET PORTS ONE_WAY_MS [--rate-mbit R] [--trace FILE]"
        );
        std::process::exit(2);
    }
    let listen: IpAddr = args[0].parse().expect("LISTEN address");
    let target: IpAddr = args[1].parse().expect("TARGET address");
    let list = ports(&args[2]);
    let delay = Duration::from_secs_f64(args[3].parse::<f64>().expect("ONE_WAY_MS") / 1000.0);
    let mut rate = None;
    let mut trace = None;
    let mut rest = args[4..].iter();
    while let Some(flag) = rest.next() {
        let value = rest.next().expect("a value after the flag");
        match flag.as_str() {
            "--rate-mbit" => rate = Some(value.parse::<f64>().expect("Mbit/s") * 1e6 / 8.0),
            "--trace" => {
                trace = Some(Mutex::new(BufWriter::new(
                    File::create(value).expect("trace file"),
                )))
            }
            other => panic!("unknown flag {other}"),
        }
    }
    let cfg = Arc::new(Config {
        target,
        delay,
        rate,
        trace,
        start: Instant::now(),
        next_id: AtomicU64::new(0),
    });
    let mut listeners = Vec::new();
    for port in list {
        let l = TcpListener::bind(SocketAddr::new(listen, port))
            .unwrap_or_else(|e| panic!("listen on {listen}:{port}: {e}"));
        listeners.push((port, l));
    }
    println!("ready");
    let _ = std::io::stdout().flush();
    let mut threads = Vec::new();
    for (port, l) in listeners {
        let cfg = cfg.clone();
        threads.push(thread::spawn(move || {
            for conn in l.incoming().flatten() {
                let cfg = cfg.clone();
                thread::spawn(move || handle(conn, port, cfg));
            }
        }));
    }
    for t in threads {
        let _ = t.join();
    }
}
