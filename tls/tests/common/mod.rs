//! What the ftp-tls tests share: a std socket as an embedded-io stream.

#![allow(dead_code)]

use std::io::{Read as _, Write as _};
use std::net::TcpStream;

use embedded_io::{ErrorType, Read, ReadReady, Write};

/// A std socket as an embedded-io stream.
pub struct Sock(pub TcpStream);

impl ErrorType for Sock {
    type Error = std::io::Error;
}
impl Read for Sock {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.0.read(buf)
    }
}
impl Write for Sock {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}
impl ReadReady for Sock {
    fn read_ready(&mut self) -> std::io::Result<bool> {
        self.0.set_nonblocking(true)?;
        let mut b = [0u8; 1];
        let r = self.0.peek(&mut b);
        self.0.set_nonblocking(false)?;
        match r {
            Ok(_) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => Ok(false),
            Err(e) => Err(e),
        }
    }
}
