//! The control connection: a TCP stream that TLS can be started on (AUTH
//! TLS, implicit FTPS) and ended on (CCC), whose reads are bounded by a
//! deadline for the whole reply.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::net::clock::ReplyClock;
use crate::net::pump::Pump;
use crate::net::tls::{TlsContext, handshake_error};

/// The socket under the control stream, read within the reply deadline.
struct Clocked<'a> {
    tcp: &'a mut TcpStream,
    clock: &'a ReplyClock,
    /// The read timeout the socket has now.
    applied: &'a mut Option<Duration>,
}

impl Read for Clocked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.clock.remaining()?;
        // A system call per read only when the socket's timeout would
        // overshoot the deadline by more than a twentieth of the timeout
        // (at most a second).
        let slack = self
            .clock
            .timeout
            .map_or(Duration::ZERO, |t| (t / 20).min(Duration::from_secs(1)));
        let stale = match (*self.applied, left) {
            (Some(applied), Some(left)) => applied > left + slack || applied + slack < left,
            (None, None) => false,
            _ => true,
        };
        if stale {
            self.tcp.set_read_timeout(left)?;
            *self.applied = left;
        }
        match self.tcp.read(buf) {
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Err(self.clock.expired())
            }
            other => other,
        }
    }
}

impl Write for Clocked<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.tcp.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.tcp.flush()
    }
}

/// The control connection's stream: clear text or TLS over one TCP socket.
pub struct Control {
    tcp: TcpStream,
    clock: ReplyClock,
    tls: Option<Pump>,
    applied: Option<Duration>,
}

impl std::fmt::Debug for Control {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Control")
            .field("tcp", &self.tcp)
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

impl Control {
    pub(crate) fn new(tcp: TcpStream, clock: ReplyClock) -> Self {
        Control {
            tcp,
            clock,
            tls: None,
            applied: None,
        }
    }

    /// True once TLS protects the control connection.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// The TLS version in use on the control connection.
    pub fn tls_version(&self) -> Option<rustls::ProtocolVersion> {
        self.tls.as_ref().and_then(|p| p.conn().protocol_version())
    }

    /// The TCP socket.
    pub fn tcp(&self) -> &TcpStream {
        &self.tcp
    }

    /// Runs the TLS handshake now (so a certificate that does not verify is
    /// an error of AUTH TLS or connect, not of a later command).
    pub(crate) fn start_tls(&mut self, tls: &TlsContext) -> io::Result<()> {
        let mut pump = Pump::new(tls.connection()?, 0);
        self.clock.restart();
        pump.handshake(&mut self.clocked())
            .map_err(|e| handshake_error(e, tls))?;
        log::debug!(
            "control connection: {:?}, {:?}",
            pump.conn().protocol_version(),
            pump.conn().negotiated_cipher_suite()
        );
        self.tls = Some(pump);
        Ok(())
    }

    /// The socket within the reply deadline.
    fn clocked(&mut self) -> Clocked<'_> {
        Clocked {
            tcp: &mut self.tcp,
            clock: &self.clock,
            applied: &mut self.applied,
        }
    }

    /// Ends TLS after CCC: sends close_notify and waits for the server's,
    /// then goes on in clear text.
    pub(crate) fn end_tls(&mut self) -> io::Result<()> {
        let Some(mut pump) = self.tls.take() else {
            return Ok(());
        };
        self.clock.restart();
        pump.end(&mut self.clocked())
    }
}

/// True when the socket has bytes to read (or its end, or an error, which
/// a read then reports), without waiting.
fn socket_ready(tcp: &TcpStream) -> io::Result<bool> {
    #[cfg(unix)]
    {
        Ok(crate::net::ready::socket_ready(tcp))
    }
    #[cfg(not(unix))]
    {
        // Three system calls instead of one; WASI and Windows only.
        tcp.set_nonblocking(true)?;
        let mut byte = [0u8; 1];
        let ready = match tcp.peek(&mut byte) {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => Ok(false),
            Err(e) if e.kind() == io::ErrorKind::Unsupported => Ok(false),
            Err(_) => Ok(true),
        };
        tcp.set_nonblocking(false)?;
        ready
    }
}

impl Control {
    /// True when a reply (or part of one) can be read without waiting:
    /// the session asks before each command, so a reply nobody asked for
    /// is not taken as the answer. Over TLS only application data counts:
    /// records waiting on the socket are taken in first (a session ticket
    /// is no reply).
    pub(crate) fn read_ready(&mut self) -> io::Result<bool> {
        let ready = self.pending()?;
        if ready {
            // A reply nobody asked for is coming in: the session reads it
            // whole, within a fresh reply deadline (the last one may have
            // passed long ago, while the caller did something else).
            self.clock.restart();
        }
        Ok(ready)
    }

    fn pending(&mut self) -> io::Result<bool> {
        let tcp = &self.tcp;
        match &mut self.tls {
            None => socket_ready(tcp),
            Some(pump) => crate::net::ready::tls_ready(
                pump.conn_mut(),
                || socket_ready(tcp),
                |conn| conn.read_tls(&mut &*tcp),
            ),
        }
    }
}

impl Read for Control {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut sock = Clocked {
            tcp: &mut self.tcp,
            clock: &self.clock,
            applied: &mut self.applied,
        };
        match &mut self.tls {
            Some(pump) => pump.read(&mut sock, buf),
            None => sock.read(buf),
        }
    }
}

impl Write for Control {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Something is sent: a reply to it is awaited.
        self.clock.restart();
        let mut sock = Clocked {
            tcp: &mut self.tcp,
            clock: &self.clock,
            applied: &mut self.applied,
        };
        match &mut self.tls {
            Some(pump) => pump.write(&mut sock, buf),
            None => sock.write(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        let mut sock = Clocked {
            tcp: &mut self.tcp,
            clock: &self.clock,
            applied: &mut self.applied,
        };
        match &mut self.tls {
            Some(pump) => pump.flush(&mut sock),
            None => sock.flush(),
        }
    }
}
