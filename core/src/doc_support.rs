//! Scripted in-memory streams for the documentation's runnable examples and
//! the crate's tests. Not part of the API.

use core::net::SocketAddr;

use embedded_io::{ErrorKind, ErrorType, Read, Write};

use crate::DataConnector;

/// A control stream that plays a script: each step is the exact bytes the
/// client must write, then the bytes the server answers. A step with
/// nothing to write is a reply the server sends by itself (the welcome).
///
/// It panics when the client writes something else than the script says,
/// or reads when it still has to write: that is a failed test.
pub struct Scripted<'a> {
    steps: &'a [(&'a [u8], &'a [u8])],
    step: usize,
    written: usize,
    read: usize,
    chunk: usize,
}

impl<'a> Scripted<'a> {
    /// A script answered in one piece per read.
    pub fn new(steps: &'a [(&'a [u8], &'a [u8])]) -> Self {
        Self::chunked(steps, usize::MAX)
    }

    /// A script whose replies arrive at most `chunk` bytes per read.
    pub fn chunked(steps: &'a [(&'a [u8], &'a [u8])], chunk: usize) -> Self {
        Scripted {
            steps,
            step: 0,
            written: 0,
            read: 0,
            chunk: chunk.max(1),
        }
    }

    /// True when every step was played.
    pub fn finished(&self) -> bool {
        self.step >= self.steps.len()
    }

    /// Which step the script is at.
    pub fn step(&self) -> usize {
        self.step
    }
}

impl ErrorType for Scripted<'_> {
    type Error = ErrorKind;
}

impl Read for Scripted<'_> {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        while let Some((expect, reply)) = self.steps.get(self.step) {
            assert!(
                self.written == expect.len(),
                "client reads a reply at step {} before writing {:?}",
                self.step,
                crate::Text(&expect[self.written..])
            );
            if self.read < reply.len() {
                let n = buf.len().min(self.chunk).min(reply.len() - self.read);
                buf[..n].copy_from_slice(&reply[self.read..self.read + n]);
                self.read += n;
                if self.read == reply.len() {
                    self.next();
                }
                return Ok(n);
            }
            self.next();
        }
        Ok(0)
    }
}

/// Ready when the script has reply bytes to give without the client
/// writing first (the rest of a reply, or a step the server sends by
/// itself).
impl embedded_io::ReadReady for Scripted<'_> {
    fn read_ready(&mut self) -> Result<bool, ErrorKind> {
        Ok(match self.steps.get(self.step) {
            Some((expect, reply)) => self.written == expect.len() && self.read < reply.len(),
            None => false,
        })
    }
}

impl Scripted<'_> {
    fn next(&mut self) {
        self.step += 1;
        self.written = 0;
        self.read = 0;
    }
}

impl Write for Scripted<'_> {
    fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        let Some((expect, _)) = self.steps.get(self.step) else {
            panic!(
                "client writes {:?} after the script ended",
                crate::Text(buf)
            );
        };
        let want = &expect[self.written..];
        let n = buf.len().min(want.len());
        assert!(
            n > 0 && buf[..n] == want[..n],
            "step {}: client writes {:?}, script expects {:?}",
            self.step,
            crate::Text(buf),
            crate::Text(want)
        );
        self.written += n;
        Ok(n)
    }

    fn flush(&mut self) -> Result<(), ErrorKind> {
        Ok(())
    }
}

/// A connector that opens no data connections.
pub struct NoData;

/// The stream type of [`NoData`]; never made.
pub enum NoStream {}

impl ErrorType for NoStream {
    type Error = ErrorKind;
}

impl Read for NoStream {
    fn read(&mut self, _: &mut [u8]) -> Result<usize, ErrorKind> {
        match *self {}
    }
}

impl Write for NoStream {
    fn write(&mut self, _: &[u8]) -> Result<usize, ErrorKind> {
        match *self {}
    }
    fn flush(&mut self) -> Result<(), ErrorKind> {
        match *self {}
    }
}

impl DataConnector for NoData {
    type Error = ErrorKind;
    type Stream = NoStream;
    type Listener = ();

    fn connect(&mut self, _: SocketAddr) -> Result<NoStream, ErrorKind> {
        Err(ErrorKind::Unsupported)
    }

    fn listen(&mut self) -> Result<((), SocketAddr), ErrorKind> {
        Err(ErrorKind::Unsupported)
    }

    fn accept(&mut self, _: ()) -> Result<(NoStream, SocketAddr), ErrorKind> {
        Err(ErrorKind::Unsupported)
    }
}

/// A `read` callback for uploads that serves `data` in as large pieces as
/// the buffer takes, then 0 (the end).
pub fn source<E>(mut data: &[u8]) -> impl FnMut(&mut [u8]) -> Result<usize, E> + '_ {
    move |buf| {
        let n = buf.len().min(data.len());
        buf[..n].copy_from_slice(&data[..n]);
        data = &data[n..];
        Ok(n)
    }
}

#[cfg(feature = "async")]
mod asynch {
    //! The same scripted streams for the async twin; they never wait.
    use super::*;

    impl embedded_io_async::Read for Scripted<'_> {
        async fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
            Read::read(self, buf)
        }
    }

    impl embedded_io_async::Write for Scripted<'_> {
        async fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
            Write::write(self, buf)
        }

        async fn flush(&mut self) -> Result<(), ErrorKind> {
            Ok(())
        }
    }

    impl embedded_io_async::Read for NoStream {
        async fn read(&mut self, _: &mut [u8]) -> Result<usize, ErrorKind> {
            match *self {}
        }
    }

    impl embedded_io_async::Write for NoStream {
        async fn write(&mut self, _: &[u8]) -> Result<usize, ErrorKind> {
            match *self {}
        }
        async fn flush(&mut self) -> Result<(), ErrorKind> {
            match *self {}
        }
    }

    impl crate::asynch::DataConnector for NoData {
        type Error = ErrorKind;
        type Stream = NoStream;
        type Listener = ();

        async fn connect(&mut self, _: SocketAddr) -> Result<NoStream, ErrorKind> {
            Err(ErrorKind::Unsupported)
        }

        async fn listen(&mut self) -> Result<((), SocketAddr), ErrorKind> {
            Err(ErrorKind::Unsupported)
        }

        async fn accept(&mut self, _: ()) -> Result<(NoStream, SocketAddr), ErrorKind> {
            Err(ErrorKind::Unsupported)
        }
    }

    /// Runs a future to its end on this thread: a minimal executor for
    /// examples and tests, polling with a waker that does nothing (the
    /// scripted streams never wait, and a stream that does is polled again
    /// at once). Not for real I/O.
    pub fn block_on<F: core::future::Future>(future: F) -> F::Output {
        let mut future = core::pin::pin!(future);
        let mut cx = core::task::Context::from_waker(core::task::Waker::noop());
        loop {
            if let core::task::Poll::Ready(out) = future.as_mut().poll(&mut cx) {
                return out;
            }
        }
    }
}

#[cfg(feature = "async")]
pub use asynch::block_on;
