//! Data connections over std TCP sockets.

use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use ftp_core::DataConnector;

use crate::IoStream;

/// Opens data connections with std sockets: passive connects, active
/// listens on the control connection's local address.
#[derive(Debug, Clone)]
pub struct TcpConnector {
    local: SocketAddr,
    timeout: Option<Duration>,
}

impl TcpConnector {
    /// A connector for a control connection whose local address is `local`;
    /// `timeout` bounds connects, accepts and every read or write.
    pub fn new(local: SocketAddr, timeout: Option<Duration>) -> Self {
        TcpConnector { local, timeout }
    }

    fn configure(&self, stream: &TcpStream) -> io::Result<()> {
        stream.set_read_timeout(self.timeout)?;
        stream.set_write_timeout(self.timeout)?;
        Ok(())
    }
}

impl DataConnector for TcpConnector {
    type Error = io::Error;
    type Stream = IoStream<TcpStream>;
    type Listener = TcpListener;

    fn connect(&mut self, addr: SocketAddr) -> io::Result<Self::Stream> {
        let stream = match self.timeout {
            Some(t) => TcpStream::connect_timeout(&addr, t)?,
            None => TcpStream::connect(addr)?,
        };
        self.configure(&stream)?;
        Ok(IoStream(stream))
    }

    fn listen(&mut self) -> io::Result<(TcpListener, SocketAddr)> {
        let listener = TcpListener::bind(SocketAddr::new(self.local.ip(), 0))?;
        let addr = listener.local_addr()?;
        Ok((listener, addr))
    }

    fn accept(&mut self, listener: TcpListener) -> io::Result<Self::Stream> {
        let Some(timeout) = self.timeout else {
            let (stream, _) = listener.accept()?;
            self.configure(&stream)?;
            return Ok(IoStream(stream));
        };
        // std has no accept timeout: poll a non-blocking listener.
        listener.set_nonblocking(true)?;
        let deadline = Instant::now() + timeout;
        loop {
            match listener.accept() {
                Ok((stream, _)) => {
                    stream.set_nonblocking(false)?;
                    self.configure(&stream)?;
                    return Ok(IoStream(stream));
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if Instant::now() >= deadline {
                        return Err(io::Error::new(
                            io::ErrorKind::TimedOut,
                            "the server did not open the data connection",
                        ));
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(e) => return Err(e),
            }
        }
    }

    fn close(&mut self, stream: Self::Stream) -> io::Result<()> {
        // FIN tells the server an upload is complete.
        match stream.0.shutdown(Shutdown::Write) {
            Err(e) if e.kind() != io::ErrorKind::NotConnected => Err(e),
            _ => Ok(()),
        }
    }
}
