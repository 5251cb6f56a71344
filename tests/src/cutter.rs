//! A forwarding proxy that cuts one connection: for tests of what a
//! client does when a control connection dies in the middle of its work.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Forwards connections on a free loopback port to `127.0.0.1:target`;
/// the `nth` connection (1 for the first) is cut, both ways, once the
/// server sent `after` bytes on it. Serves up to 64 connections.
pub struct Cutter {
    /// Its port on 127.0.0.1.
    pub port: u16,
    accepted: Arc<AtomicUsize>,
    cut: Arc<AtomicBool>,
}

impl Cutter {
    /// Starts forwarding to `target`.
    pub fn start(target: u16, nth: usize, after: usize) -> Cutter {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("local address").port();
        let accepted = Arc::new(AtomicUsize::new(0));
        let cut = Arc::new(AtomicBool::new(false));
        let (count, was_cut) = (accepted.clone(), cut.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().take(64) {
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(("127.0.0.1", target)) else {
                    continue;
                };
                let index = count.fetch_add(1, Ordering::SeqCst) + 1;
                let limit = (index == nth).then_some(after);
                forward(client, server, limit, was_cut.clone());
            }
        });
        Cutter {
            port,
            accepted,
            cut,
        }
    }

    /// How many connections it took.
    pub fn connections(&self) -> usize {
        self.accepted.load(Ordering::SeqCst)
    }

    /// True once it cut its connection.
    pub fn has_cut(&self) -> bool {
        self.cut.load(Ordering::SeqCst)
    }
}

/// Two threads copying each way; with `limit`, the connection is shut
/// down both ways once the server sent that many bytes.
fn forward(client: TcpStream, server: TcpStream, limit: Option<usize>, cut: Arc<AtomicBool>) {
    let (Ok(client_2), Ok(server_2)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    std::thread::spawn(move || copy(client_2, server_2, None, None));
    std::thread::spawn(move || copy(server, client, limit, Some(cut)));
}

fn copy(
    mut from: TcpStream,
    mut to: TcpStream,
    limit: Option<usize>,
    cut: Option<Arc<AtomicBool>>,
) {
    let mut buf = [0u8; 16 * 1024];
    let mut moved = 0;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if let Some(limit) = limit
            && moved + n >= limit
        {
            let _ = to.write_all(&buf[..limit - moved]);
            let _ = from.shutdown(Shutdown::Both);
            let _ = to.shutdown(Shutdown::Both);
            if let Some(cut) = &cut {
                cut.store(true, Ordering::SeqCst);
            }
            return;
        }
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
        moved += n;
    }
    let _ = to.shutdown(Shutdown::Write);
}
