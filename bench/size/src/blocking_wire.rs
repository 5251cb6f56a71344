//! What the blocking size programs share: the transport's blocking I/O
//! and data connections on the same kind of wire.

use core::hint::black_box;
use core::net::SocketAddr;

use embedded_io::{ErrorKind, Read, Write};
use ftp_core::DataConnector;

use crate::wire::Wire;

impl Read for Wire {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        Ok(self.take(buf))
    }
}

impl Write for Wire {
    fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        Ok(black_box(buf).len())
    }

    fn flush(&mut self) -> Result<(), ErrorKind> {
        Ok(())
    }
}

/// Data connections on the same kind of wire.
pub struct Data;

impl DataConnector for Data {
    type Error = ErrorKind;
    type Stream = Wire;
    type Listener = ();

    fn connect(&mut self, addr: SocketAddr) -> Result<Wire, ErrorKind> {
        Ok(Wire {
            at: black_box(addr.port() as usize % 8),
        })
    }

    fn listen(&mut self) -> Result<((), SocketAddr), ErrorKind> {
        Err(ErrorKind::Unsupported)
    }

    fn accept(&mut self, _: ()) -> Result<(Wire, SocketAddr), ErrorKind> {
        Err(ErrorKind::Unsupported)
    }
}
