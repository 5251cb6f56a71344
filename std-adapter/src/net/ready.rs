//! Whether a reply can be read without waiting, for both runtimes'
//! control streams: the session asks before each command, so that a reply
//! nobody asked for is not taken as the answer.

use std::io;

use rustls::ClientConnection;

/// True when the socket has bytes to read (or its end, or an error,
/// which a read then reports), without waiting: the kernel is asked
/// (`recv(MSG_PEEK | MSG_DONTWAIT)`; tokio's own `poll_peek` trusts the
/// readiness its driver last saw, and a reply that came while the runtime
/// was busy would be missed). An interrupted call is asked again, a few
/// times at most.
#[cfg(unix)]
pub(crate) fn socket_ready(socket: impl std::os::fd::AsFd) -> bool {
    use rustix::net::{RecvFlags, recv};
    let mut byte = [0u8; 1];
    for _ in 0..4 {
        match recv(
            &socket,
            &mut byte[..],
            RecvFlags::PEEK | RecvFlags::DONTWAIT,
        ) {
            Err(rustix::io::Errno::INTR) => continue,
            Err(rustix::io::Errno::AGAIN) => return false,
            _ => return true,
        }
    }
    true
}

/// Over TLS only application data counts: records waiting on the socket
/// are taken in first (a session ticket is no reply). `ready` says whether
/// the socket has bytes; `take` reads what it holds into `conn` without
/// waiting. Bounded: each round takes in what the socket holds. A failure
/// to take counts as ready (the read then reports it).
pub(crate) fn tls_ready(
    conn: &mut ClientConnection,
    mut ready: impl FnMut() -> io::Result<bool>,
    mut take: impl FnMut(&mut ClientConnection) -> io::Result<usize>,
) -> io::Result<bool> {
    for _ in 0..8 {
        let state = conn.process_new_packets().map_err(io::Error::other)?;
        if state.plaintext_bytes_to_read() > 0 || state.peer_has_closed() {
            return Ok(true);
        }
        if !ready()? {
            return Ok(false);
        }
        match take(conn) {
            Ok(0) => return Ok(true),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(false),
            Err(_) => return Ok(true),
        }
    }
    Ok(true)
}
