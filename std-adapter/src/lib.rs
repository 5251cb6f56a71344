//! # ftp-std
//!
//! The FTP client over `std::net`. This first part gives the core's traits
//! to std streams ([`IoStream`]) and opens data connections with std
//! sockets ([`TcpConnector`]); [`connect`] puts them together. FTPS, the
//! file helpers and URLs come next.
//!
//! ```no_run
//! let mut ftp = ftp_std::connect("ftp.example.com:21", Some(std::time::Duration::from_secs(30)))?;
//! ftp.login("anonymous", "", "")?;
//! for name in ftp.nlst_vec(None)? {
//!     println!("{name}");
//! }
//! ftp.quit()?;
//! # Ok::<(), ftp_std::Error>(())
//! ```

mod connector;
mod stream;

use std::io;
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

pub use connector::TcpConnector;
pub use ftp_core;
pub use stream::IoStream;

/// The reply buffer of desktop sessions: long paths and banners fit.
pub const REPLY_BUFFER: usize = 8192;

/// A session over std TCP.
pub type Session = ftp_core::Ftp<IoStream<TcpStream>, TcpConnector, REPLY_BUFFER>;

/// The error of std sessions.
pub type Error = ftp_core::Error<io::Error>;

/// Connects to `addr` (`"host:port"`, any `ToSocketAddrs`), trying each
/// address it resolves to, and reads the welcome. `timeout` bounds the
/// connect and every read and write of the control and data connections.
pub fn connect<A: ToSocketAddrs>(addr: A, timeout: Option<Duration>) -> Result<Session, Error> {
    let mut last = io::Error::new(io::ErrorKind::NotFound, "no address to connect to");
    for a in addr.to_socket_addrs().map_err(ftp_core::Error::Io)? {
        let attempt = match timeout {
            Some(t) => TcpStream::connect_timeout(&a, t),
            None => TcpStream::connect(a),
        };
        match attempt {
            Ok(stream) => {
                stream
                    .set_read_timeout(timeout)
                    .map_err(ftp_core::Error::Io)?;
                stream
                    .set_write_timeout(timeout)
                    .map_err(ftp_core::Error::Io)?;
                stream.set_nodelay(true).map_err(ftp_core::Error::Io)?;
                let local = stream.local_addr().map_err(ftp_core::Error::Io)?;
                let peer = stream.peer_addr().map_err(ftp_core::Error::Io)?;
                let data = TcpConnector::new(local, timeout);
                return ftp_core::Ftp::connect(IoStream(stream), data, peer);
            }
            Err(e) => last = e,
        }
    }
    Err(ftp_core::Error::Io(last))
}
