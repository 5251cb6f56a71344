//! The size of each operation's future on the async twin
//! (`core::mem::size_of_val`), with streams as small as a firmware's socket
//! handles: what a task running that operation needs besides the session
//! (`Ftp<_, _>`, 512-byte reply buffer) and the caller's buffer.

use core::net::SocketAddr;

use embedded_io::{ErrorKind, ErrorType};
use ftp_core::asynch::{DataConnector, Ftp};
use ftp_core::doc_support::block_on;

/// A socket handle that says "220 ready" once: enough to make a session.
struct Handle(u8);

impl ErrorType for Handle {
    type Error = ErrorKind;
}

impl embedded_io::ReadReady for Handle {
    fn read_ready(&mut self) -> Result<bool, ErrorKind> {
        Ok(false)
    }
}

impl embedded_io_async::Read for Handle {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        let welcome = b"220 ready\r\n";
        if self.0 == 0 {
            self.0 = 1;
            buf[..welcome.len()].copy_from_slice(welcome);
            return Ok(welcome.len());
        }
        Ok(0)
    }
}

impl embedded_io_async::Write for Handle {
    async fn write(&mut self, b: &[u8]) -> Result<usize, ErrorKind> {
        Ok(b.len())
    }
    async fn flush(&mut self) -> Result<(), ErrorKind> {
        Ok(())
    }
}

struct Data;

impl DataConnector for Data {
    type Error = ErrorKind;
    type Stream = Handle;
    type Listener = ();
    async fn connect(&mut self, _: SocketAddr) -> Result<Handle, ErrorKind> {
        Ok(Handle(1))
    }
    async fn listen(&mut self) -> Result<((), SocketAddr), ErrorKind> {
        Err(ErrorKind::Unsupported)
    }
    async fn accept(&mut self, _: ()) -> Result<(Handle, SocketAddr), ErrorKind> {
        Err(ErrorKind::Unsupported)
    }
}

fn main() {
    let peer = SocketAddr::from(([192, 0, 2, 1], 21));
    let connect = size_of_val(&Ftp::<Handle, Data>::connect(Handle(0), Data, peer));
    let mut ftp = block_on(Ftp::<Handle, Data>::connect(Handle(0), Data, peer)).expect("welcome");
    let mut buf = [0u8; 1024];
    let login = size_of_val(&ftp.login("u", "p", ""));
    let cwd = size_of_val(&ftp.cwd("logs"));
    let list = size_of_val(&ftp.retrlines("LIST", &mut buf, async |_| Ok(())));
    let retr = size_of_val(&ftp.retrbinary("RETR f", &mut buf, None, async |_| Ok(())));
    let stor = size_of_val(&ftp.storbinary("STOR f", &mut buf, None, async |_| Ok(0), |_| {}));
    println!("async twin, {}-bit pointers:", usize::BITS);
    println!(
        "  session Ftp<_, _> (512-byte reply buffer): {} bytes",
        size_of_val(&ftp)
    );
    println!(
        "  futures: connect {connect} (holds the session it makes), login {login}, cwd {cwd},"
    );
    println!("           retrlines(LIST) {list}, retrbinary {retr}, storbinary {stor} bytes");
}
