//! Data connections over std TCP sockets, in clear text or TLS (PROT P)
//! resuming the control connection's TLS session.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::time::Duration;

use crate::net::data::{Close, DRAIN_LIMIT, DataState, PEER_CLOSE_WAIT, Settings, stalled};

/// One data connection: a TCP stream, TLS-wrapped after PROT P.
pub struct DataStream {
    tcp: TcpStream,
    state: DataState,
}

/// The socket as the TLS pump sees it: a timeout (`WouldBlock` from a
/// std socket) is `TimedOut`, never the pump's "not now".
struct Sock<'a>(&'a mut TcpStream);

fn timed_out(e: io::Error) -> io::Error {
    if e.kind() == io::ErrorKind::WouldBlock {
        io::Error::new(io::ErrorKind::TimedOut, e)
    } else {
        e
    }
}

impl Read for Sock<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf).map_err(timed_out)
    }
}

impl Write for Sock<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf).map_err(timed_out)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

impl std::fmt::Debug for DataStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DataStream")
            .field("tcp", &self.tcp)
            .field("tls", &self.state.tls.is_some())
            .finish()
    }
}

impl DataStream {
    /// A connected socket as a data stream of this runtime: the data
    /// timeout on every read and write, TLS to come after PROT P.
    pub(crate) fn open(tcp: TcpStream, settings: &Settings) -> io::Result<DataStream> {
        tcp.set_read_timeout(settings.data_timeout)?;
        tcp.set_write_timeout(settings.data_timeout)?;
        Ok(DataStream {
            tcp,
            state: DataState::new(settings, false)?,
        })
    }

    /// Drops the connection with a reset, not a FIN: the server stops
    /// sending at once.
    pub(crate) fn reset(self) {
        let _ = socket2::SockRef::from(&self.tcp).set_linger(Some(Duration::ZERO));
    }

    /// The TCP socket under the stream.
    pub fn tcp(&self) -> &TcpStream {
        &self.tcp
    }

    /// Passive mode, TLS: the ClientHello goes out as soon as the
    /// connection is up, so it waits in the server's socket when the
    /// server reaches its handshake (after the transfer command) instead
    /// of being sent at the first read: a round trip less per FTPS
    /// transfer. The rest of the handshake still runs at the first use;
    /// a failed write here shows there.
    pub(crate) fn send_hello(&mut self) {
        if let Some(pump) = &mut self.state.tls {
            pump.send_hello(&mut Sock(&mut self.tcp));
        }
    }

    /// Notes that the server ended the stream (read to EOF elsewhere).
    #[cfg_attr(not(target_os = "linux"), allow(dead_code))]
    pub(crate) fn set_ended(&mut self) {
        self.state.ended = true;
        self.state.used = true;
    }

    /// True when TLS protects this stream.
    pub fn is_tls(&self) -> bool {
        self.state.tls.is_some()
    }

    /// True when the TLS handshake resumed the control connection's
    /// session (false before the handshake and for clear-text streams).
    pub fn is_resumed(&self) -> bool {
        self.state.is_resumed()
    }

    /// Ends the stream cleanly, as the close policy says
    /// ([`close_policy`](crate::net::data::close_policy)): TLS close_notify, TCP FIN, then what the server
    /// still sends until it closes.
    pub(crate) fn shutdown(mut self) -> io::Result<()> {
        let plan = self.state.close_plan();
        if plan.silent {
            return Ok(());
        }
        let result = self.send_end(&plan);
        if !plan.strict {
            return Ok(());
        }
        result?;
        if plan.drain && !self.state.ended {
            self.drain();
        }
        Ok(())
    }

    /// Reads what the server still sends, until it ends the stream, at
    /// most [`DRAIN_LIMIT`] (an abandoned download is not read to its
    /// end); a read error ends it too.
    fn drain(&mut self) {
        let mut buf = [0u8; 16 * 1024];
        let mut drained = 0;
        while drained < DRAIN_LIMIT {
            match self.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => drained += n,
            }
        }
    }

    fn send_end(&mut self, plan: &Close) -> io::Result<()> {
        if let Some(pump) = &mut self.state.tls {
            let mut sock = Sock(&mut self.tcp);
            if plan.handshake {
                pump.handshake(&mut sock)?;
            }
            if plan.close_notify {
                pump.close_notify(&mut sock)?;
            }
            if plan.await_peer {
                self.await_peer_close();
            }
        }
        match self.tcp.shutdown(Shutdown::Write) {
            Err(e) if e.kind() != io::ErrorKind::NotConnected => Err(e),
            _ => Ok(()),
        }
    }
}

impl DataStream {
    /// Through a proxy, after our close_notify and before our FIN: a
    /// moment ([`PEER_CLOSE_WAIT`]) for the server's close_notify, reading
    /// what it still sends (its session tickets). A proxy that ends both
    /// directions at our FIN (Tinyproxy) would otherwise close its side
    /// towards the server with those bytes unread, and the reset loses the
    /// server the upload. Direct connections do not wait: a server that
    /// answers close_notify only after FIN would cost every upload the
    /// wait.
    fn await_peer_close(&mut self) {
        let before = self.tcp.read_timeout().ok().flatten();
        if self.tcp.set_read_timeout(Some(PEER_CLOSE_WAIT)).is_ok() {
            self.drain();
            let _ = self.tcp.set_read_timeout(before);
        }
    }
}

impl Read for DataStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.state.used = true;
        let n = match &mut self.state.tls {
            Some(pump) => match pump.read(&mut Sock(&mut self.tcp), buf) {
                // Some servers close without close_notify. The final reply on
                // the (protected) control connection still has to be 2xx for
                // the transfer to count, and the size it announced is checked.
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    log::debug!("data connection closed without TLS close_notify");
                    Ok(0)
                }
                other => other,
            },
            None => self.tcp.read(buf),
        }
        .map_err(|e| stalled(e, self.state.timeout))?;
        if n == 0 && !buf.is_empty() {
            self.state.ended = true;
        }
        Ok(n)
    }
}

impl Write for DataStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.state.used = true;
        match &mut self.state.tls {
            Some(pump) => pump.write(&mut Sock(&mut self.tcp), buf),
            None => self.tcp.write(buf),
        }
        .map_err(|e| stalled(e, self.state.timeout))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.state.used = true;
        match &mut self.state.tls {
            Some(pump) => pump.flush(&mut Sock(&mut self.tcp)),
            None => self.tcp.flush(),
        }
        .map_err(|e| stalled(e, self.state.timeout))
    }
}
