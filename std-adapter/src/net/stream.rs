//! `embedded-io` over `std::io`: the core's traits on std streams.

use std::io;

/// A std stream (`TcpStream`, a TLS stream) seen through `embedded-io`.
///
/// ```
/// use embedded_io::Read;
/// let mut s = ftp_std::IoStream(std::io::Cursor::new(b"220 hi\r\n".to_vec()));
/// let mut buf = [0u8; 16];
/// assert_eq!(s.read(&mut buf).unwrap(), 8);
/// ```
#[derive(Debug)]
pub struct IoStream<T>(pub T);

impl<T> embedded_io::ErrorType for IoStream<T> {
    type Error = io::Error;
}

impl<T: io::Read> embedded_io::Read for IoStream<T> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, io::Error> {
        loop {
            match self.0.read(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => return other,
            }
        }
    }
}

/// The control stream: ready when a reply can be read without waiting.
impl embedded_io::ReadReady for IoStream<crate::net::blocking::Control> {
    fn read_ready(&mut self) -> Result<bool, io::Error> {
        self.0.read_ready()
    }
}

impl<T: io::Write> embedded_io::Write for IoStream<T> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, io::Error> {
        loop {
            match self.0.write(buf) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                other => return other,
            }
        }
    }

    fn flush(&mut self) -> Result<(), io::Error> {
        self.0.flush()
    }
}
