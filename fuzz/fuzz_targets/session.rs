//! A whole session over a control stream and data streams the fuzzer
//! drives: the operations, the server's bytes and how they are cut into
//! reads. Never a panic, never a hang (input runs out: the connection
//! ends), and errors only of the kinds the API names.
#![no_main]

use core::net::SocketAddr;

use embedded_io::{ErrorKind, ErrorType, Read, Write};
use ftp_core::{DataConnector, Error, Ftp};
use libfuzzer_sys::fuzz_target;

/// Bytes from the fuzzer, handed out in reads of 1 to 16 bytes.
struct Feed<'a> {
    data: &'a [u8],
    cut: u8,
    /// The control connection: what is written there must be command
    /// lines without CR or LF inside.
    control: bool,
}

impl ErrorType for Feed<'_> {
    type Error = ErrorKind;
}

impl Read for Feed<'_> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        self.cut = self.cut.wrapping_mul(31).wrapping_add(7);
        let n = buf.len().min(self.data.len()).min(usize::from(self.cut % 16) + 1);
        buf[..n].copy_from_slice(&self.data[..n]);
        self.data = &self.data[n..];
        Ok(n)
    }
}

/// Ready when bytes are left: stray-reply checks see them.
impl embedded_io::ReadReady for Feed<'_> {
    fn read_ready(&mut self) -> Result<bool, ErrorKind> {
        Ok(!self.data.is_empty())
    }
}

impl Write for Feed<'_> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        if self.control {
            // A command goes out whole or in pieces; only its end is CRLF.
            let body = buf.strip_suffix(b"\r\n").unwrap_or(buf);
            assert!(!body.contains(&b'\r') && !body.contains(&b'\n'), "{buf:?}");
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> Result<(), ErrorKind> {
        Ok(())
    }
}

/// Data connections that serve the same bytes, or fail.
struct Data<'a> {
    data: &'a [u8],
    fail: bool,
    cut: bool,
}

impl<'a> DataConnector for Data<'a> {
    type Error = ErrorKind;
    type Stream = Feed<'a>;
    type Listener = ();

    fn connect(&mut self, _: SocketAddr) -> Result<Feed<'a>, ErrorKind> {
        if self.fail {
            return Err(ErrorKind::ConnectionRefused);
        }
        Ok(Feed {
            data: self.data,
            cut: 3,
            control: false,
        })
    }

    fn listen(&mut self) -> Result<((), SocketAddr), ErrorKind> {
        Ok(((), SocketAddr::from(([127, 0, 0, 1], 20))))
    }

    fn accept(&mut self, _: ()) -> Result<(Feed<'a>, SocketAddr), ErrorKind> {
        // Every other connection comes from somewhere else.
        self.cut = !self.cut;
        let from = SocketAddr::from(([127, 0, 0, if self.cut { 2 } else { 1 }], 20));
        Ok((self.connect(from)?, from))
    }
}

fuzz_target!(|input: &[u8]| {
    if input.len() < 4 {
        return;
    }
    let (ops, rest) = input.split_at(4);
    let mid = usize::from(ops[3]).min(rest.len());
    let (control, data) = rest.split_at(mid.max(rest.len() / 2));
    let stream = Feed {
        data: control,
        cut: ops[0],
        control: true,
    };
    let connector = Data {
        data,
        fail: ops[1] & 1 == 1,
        cut: false,
    };
    let peer = SocketAddr::from(([127, 0, 0, 1], 21));
    let Ok(mut ftp) = Ftp::<_, _, 128>::connect(stream, connector, peer) else {
        return;
    };
    ftp.set_pasv(ops[1] & 2 == 0);
    let mut buf = [0u8; 64];
    // At most 12 operations, each bounded by the input it consumes.
    for i in 0..12u8 {
        let op = ops[2].rotate_left(u32::from(i)) ^ i;
        let result: Result<(), Error<ErrorKind>> = match op % 14 {
            0 => ftp.login("user", "pass", "acct").map(drop),
            1 => ftp.cwd("dir").map(drop),
            2 => ftp.pwd().map(drop),
            3 => ftp.size("f").map(drop),
            4 => ftp.mdtm("f").map(drop),
            5 => ftp.nlst("", &mut buf, |_| Ok(())).map(drop),
            6 => ftp.retrbinary("RETR f", &mut buf, Some(5), |_| Ok(())).map(drop),
            7 => {
                let mut left = 10usize;
                let read = |b: &mut [u8]| {
                    let n = b.len().min(left);
                    left -= n;
                    Ok(n)
                };
                ftp.storbinary("STOR f", &mut buf, None, read, |_| {}).map(drop)
            }
            8 => ftp.mlsd("", &["type", "size"], &mut buf, |_| Ok(())).map(drop),
            9 => ftp.feat(|_| {}).map(drop),
            10 => ftp.abort().map(drop),
            11 => ftp.mkd("new").map(drop),
            12 => {
                let mut text: &[u8] = b"a\nb\r\nc";
                let read = |b: &mut [u8]| {
                    let n = b.len().min(text.len());
                    b[..n].copy_from_slice(&text[..n]);
                    text = &text[n..];
                    Ok(n)
                };
                ftp.storlines("STOR t", &mut buf, read, |_| {}).map(drop)
            }
            _ => ftp.quit().map(drop),
        };
        if let Err(Error::SessionClosed) = result {
            break;
        }
    }
});
