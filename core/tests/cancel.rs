//! Cancellation of the async twin: every operation's future is dropped
//! after each number of polls (so at every await point), and the session's
//! next call is then either right (its own reply) or the out-of-step
//! error: never a reply that belonged to the dropped call. Every read,
//! write and connect yields once before it works, so each is an await
//! point a future can be dropped at. Driven by hand, no runtime.

#![cfg(feature = "async")]

use std::cell::RefCell;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use embedded_io::{ErrorKind, ErrorType};
use ftp_core::asynch::{DataConnector, Ftp};
use ftp_core::doc_support::block_on;
use ftp_core::{Error, ProtocolError};

/// Pending once, then ready: an await point.
struct Yield(bool);

impl Future for Yield {
    type Output = ();
    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            Poll::Ready(())
        } else {
            self.0 = true;
            cx.waker().wake_by_ref();
            Poll::Pending
        }
    }
}

fn yield_now() -> Yield {
    Yield(false)
}

/// A server that answers every command line by its verb, queueing the
/// reply when the line is complete.
#[derive(Default)]
struct Responder {
    line: Vec<u8>,
    out: Vec<u8>,
}

impl Responder {
    fn answer(&mut self, line: &[u8]) {
        let text = String::from_utf8_lossy(line);
        let verb = text.split(' ').next().unwrap_or("").to_ascii_uppercase();
        let reply: &str = match verb.as_str() {
            "USER" => "331 password please\r\n",
            "PASS" => "230 logged in\r\n",
            "TYPE" => "200 type set\r\n",
            "CWD" => "250 changed\r\n",
            "PWD" => "257 \"/\"\r\n",
            "EPSV" => "229 Entering Extended Passive Mode (|||30001|)\r\n",
            "RETR" => "150 here (20000 bytes)\r\n226 sent\r\n",
            "LIST" => "150 listing\r\n226 listed\r\n",
            "STOR" => "150 send\r\n226 stored\r\n",
            "NOOP" => "200 NOOP ok\r\n",
            _ => "502 no\r\n",
        };
        self.out.extend_from_slice(reply.as_bytes());
    }
}

#[derive(Clone, Default)]
struct Control(Rc<RefCell<Responder>>);

impl ErrorType for Control {
    type Error = ErrorKind;
}

impl embedded_io::ReadReady for Control {
    fn read_ready(&mut self) -> Result<bool, ErrorKind> {
        Ok(!self.0.borrow().out.is_empty())
    }
}

impl embedded_io_async::Read for Control {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        yield_now().await;
        let mut r = self.0.borrow_mut();
        let n = buf.len().min(r.out.len()).min(7);
        buf[..n].copy_from_slice(&r.out[..n]);
        r.out.drain(..n);
        // Nothing queued would mean the client reads without having asked.
        assert!(n > 0, "the client waits for a reply nobody owes it");
        Ok(n)
    }
}

impl embedded_io_async::Write for Control {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        yield_now().await;
        // Half a command at most per write: a drop can cut a command.
        let n = buf.len().clamp(1, 5);
        let mut r = self.0.borrow_mut();
        for &b in &buf[..n] {
            r.line.push(b);
            if b == b'\n' {
                let line = std::mem::take(&mut r.line);
                r.answer(line.strip_suffix(b"\r\n").unwrap_or(&line));
            }
        }
        Ok(n)
    }

    async fn flush(&mut self) -> Result<(), ErrorKind> {
        yield_now().await;
        Ok(())
    }
}

/// Data connections serving 20 000 bytes in pieces, taking uploads.
struct Data;

struct Stream(usize);

impl ErrorType for Stream {
    type Error = ErrorKind;
}

impl embedded_io_async::Read for Stream {
    async fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        yield_now().await;
        let n = buf.len().min(self.0).min(3000);
        buf[..n].fill(b'x');
        self.0 -= n;
        Ok(n)
    }
}

impl embedded_io_async::Write for Stream {
    async fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        yield_now().await;
        Ok(buf.len().min(3000))
    }
    async fn flush(&mut self) -> Result<(), ErrorKind> {
        Ok(())
    }
}

impl DataConnector for Data {
    type Error = ErrorKind;
    type Stream = Stream;
    type Listener = ();

    async fn connect(&mut self, _: SocketAddr) -> Result<Stream, ErrorKind> {
        yield_now().await;
        Ok(Stream(20_000))
    }

    async fn listen(&mut self) -> Result<((), SocketAddr), ErrorKind> {
        Err(ErrorKind::Unsupported)
    }

    async fn accept(&mut self, _: ()) -> Result<(Stream, SocketAddr), ErrorKind> {
        Err(ErrorKind::Unsupported)
    }

    async fn close(&mut self, _: Stream) -> Result<(), ErrorKind> {
        yield_now().await;
        Ok(())
    }
}

type Session = Ftp<Control, Data>;

fn session() -> Session {
    let control = Control::default();
    control
        .0
        .borrow_mut()
        .out
        .extend_from_slice(b"220 ready\r\n");
    let mut ftp = block_on(Ftp::connect(control, Data, "127.0.0.1:21".parse().unwrap())).unwrap();
    block_on(ftp.login("u", "p", "")).unwrap();
    ftp
}

/// Polls `fut` at most `polls` times; true when it finished.
fn poll_some<F: Future>(fut: F, polls: usize) -> bool {
    let mut fut = pin!(fut);
    let mut cx = Context::from_waker(Waker::noop());
    (0..polls).any(|_| fut.as_mut().poll(&mut cx).is_ready())
}

/// Drops the future `op` makes after 1, 2, ... polls until one finishes,
/// and checks the session's next call each time.
fn dropped_everywhere(
    name: &str,
    op: impl for<'a> Fn(&'a mut Session) -> std::pin::Pin<Box<dyn Future<Output = bool> + 'a>>,
) {
    let mut out_of_step = 0;
    for polls in 1..2000 {
        let mut ftp = session();
        let finished = poll_some(op(&mut ftp), polls);
        match block_on(ftp.noop()) {
            Ok(reply) => assert_eq!(
                reply.text(),
                b"200 NOOP ok",
                "{name}: dropped after {polls} polls, NOOP got another call's reply"
            ),
            Err(Error::Protocol(ProtocolError::OutOfSync)) => {
                assert!(!finished, "{name}: finished, yet out of step");
                out_of_step += 1;
            }
            Err(e) => panic!("{name}: dropped after {polls} polls: {e:?}"),
        }
        if finished {
            assert!(out_of_step > 0, "{name}: no drop point owed a reply");
            return;
        }
    }
    panic!("{name} never finished");
}

#[test]
fn retrbinary_dropped_at_every_await_point() {
    dropped_everywhere("RETR", |ftp| {
        Box::pin(async move {
            let mut buf = [0u8; 1024];
            ftp.retrbinary("RETR f", &mut buf, None, async |_| Ok(()))
                .await
                .is_ok()
        })
    });
}

#[test]
fn storbinary_dropped_at_every_await_point() {
    dropped_everywhere("STOR", |ftp| {
        Box::pin(async move {
            let mut buf = [0u8; 1024];
            let mut left = 10_000usize;
            let read = async |b: &mut [u8]| {
                let n = b.len().min(left);
                left -= n;
                Ok(n)
            };
            ftp.storbinary("STOR f", &mut buf, None, read, |_| {})
                .await
                .is_ok()
        })
    });
}

#[test]
fn list_dropped_at_every_await_point() {
    dropped_everywhere("LIST", |ftp| {
        Box::pin(async move {
            let mut buf = [0u8; 4096];
            ftp.dir("", &mut buf, async |_| Ok(())).await.is_ok()
        })
    });
}

#[test]
fn simple_commands_dropped_at_every_await_point() {
    dropped_everywhere("CWD+PWD", |ftp| {
        Box::pin(async move { ftp.cwd("pub").await.is_ok() && ftp.pwd().await.is_ok() })
    });
}

/// A timeout around a call is a drop as well: the next call says so
/// instead of reading the dropped call's 226.
#[test]
fn a_timed_out_download_leaves_the_session_clearly_out_of_step() {
    let mut ftp = session();
    let mut buf = [0u8; 1024];
    // Far enough to be inside the data transfer.
    assert!(!poll_some(
        ftp.retrbinary("RETR f", &mut buf, None, async |_| Ok(())),
        12
    ));
    assert!(matches!(
        block_on(ftp.cwd("x")),
        Err(Error::Protocol(ProtocolError::OutOfSync))
    ));
}
