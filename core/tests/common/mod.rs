//! A data connector for session tests: records where it connected, serves
//! queued download bytes, captures uploads, and can fail on demand.

#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::rc::Rc;

use embedded_io::{ErrorKind, ErrorType, Read, Write};
use ftp_core::DataConnector;

/// What one data connection does.
#[derive(Clone, Default)]
pub struct Plan {
    /// Bytes the server sends.
    pub download: Vec<u8>,
    /// Fail with ConnectionReset after this many bytes were read.
    pub fail_after: Option<usize>,
    /// Bytes per read.
    pub chunk: Option<usize>,
    /// The connection is refused (the plan is used up all the same).
    pub refuse: bool,
    /// The error of `fail_after` (default ConnectionReset).
    pub fail_with: Option<ErrorKind>,
    /// Active mode: the server never connects (the accept waits until
    /// the control connection has something, else times out).
    pub never: bool,
}

impl Plan {
    /// A connection attempt that is refused.
    pub fn refused() -> Plan {
        Plan {
            refuse: true,
            ..Plan::default()
        }
    }
}

impl Plan {
    pub fn bytes(b: &[u8]) -> Plan {
        Plan {
            download: b.to_vec(),
            ..Plan::default()
        }
    }
}

#[derive(Default)]
pub struct Record {
    pub connected: Vec<SocketAddr>,
    pub listened: usize,
    pub accepted: usize,
    pub closed: usize,
    pub uploads: Vec<Vec<u8>>,
}

#[derive(Clone)]
pub struct MockData {
    pub plans: Rc<RefCell<VecDeque<Plan>>>,
    pub record: Rc<RefCell<Record>>,
    /// Where active mode listens; shared by clones, like the rest.
    pub listen_addr: Rc<std::cell::Cell<SocketAddr>>,
    /// Where active-mode connections come from (default the server).
    pub accept_from: Rc<RefCell<SocketAddr>>,
}

impl MockData {
    pub fn new(plans: Vec<Plan>) -> Self {
        MockData {
            plans: Rc::new(RefCell::new(plans.into())),
            record: Rc::new(RefCell::new(Record::default())),
            listen_addr: Rc::new(std::cell::Cell::new("127.0.0.1:40000".parse().unwrap())),
            accept_from: Rc::new(RefCell::new("127.0.0.1:20".parse().unwrap())),
        }
    }

    fn open(&self) -> Result<MockStream, ErrorKind> {
        let plan = self
            .plans
            .borrow_mut()
            .pop_front()
            .ok_or(ErrorKind::ConnectionRefused)?;
        if plan.refuse {
            return Err(ErrorKind::ConnectionRefused);
        }
        let index = {
            let mut r = self.record.borrow_mut();
            r.uploads.push(Vec::new());
            r.uploads.len() - 1
        };
        Ok(MockStream {
            plan,
            pos: 0,
            record: self.record.clone(),
            index,
        })
    }
}

pub struct MockStream {
    plan: Plan,
    pos: usize,
    record: Rc<RefCell<Record>>,
    index: usize,
}

impl ErrorType for MockStream {
    type Error = ErrorKind;
}

impl Read for MockStream {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
        if self.plan.fail_after.is_some_and(|limit| self.pos >= limit) {
            return Err(self.plan.fail_with.unwrap_or(ErrorKind::ConnectionReset));
        }
        let end = self
            .plan
            .fail_after
            .unwrap_or(usize::MAX)
            .min(self.plan.download.len());
        let n = buf
            .len()
            .min(end - self.pos)
            .min(self.plan.chunk.unwrap_or(usize::MAX));
        buf[..n].copy_from_slice(&self.plan.download[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl Write for MockStream {
    fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
        self.record.borrow_mut().uploads[self.index].extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> Result<(), ErrorKind> {
        Ok(())
    }
}

impl MockData {
    /// The next plan is a server that never connects.
    fn never(&self) -> bool {
        self.plans.borrow().front().is_some_and(|p| p.never)
    }
}

impl DataConnector for MockData {
    type Error = ErrorKind;
    type Stream = MockStream;
    type Listener = ();

    fn connect(&mut self, addr: SocketAddr) -> Result<MockStream, ErrorKind> {
        self.record.borrow_mut().connected.push(addr);
        self.open()
    }

    fn listen(&mut self) -> Result<((), SocketAddr), ErrorKind> {
        self.record.borrow_mut().listened += 1;
        Ok(((), self.listen_addr.get()))
    }

    fn accept(&mut self, _: ()) -> Result<(MockStream, SocketAddr), ErrorKind> {
        if self.never() {
            return Err(ErrorKind::TimedOut);
        }
        self.record.borrow_mut().accepted += 1;
        Ok((self.open()?, *self.accept_from.borrow()))
    }

    fn accept_or_control<R: embedded_io::ReadReady>(
        &mut self,
        listener: (),
        control: &mut R,
    ) -> Result<ftp_core::Accepted<MockStream, ()>, ErrorKind> {
        if self.never() && control.read_ready().unwrap_or(true) {
            return Ok(ftp_core::Accepted::ControlReady(listener));
        }
        let (stream, from) = DataConnector::accept(self, listener)?;
        Ok(ftp_core::Accepted::Connection(stream, from))
    }

    fn close(&mut self, _stream: MockStream) -> Result<(), ErrorKind> {
        self.record.borrow_mut().closed += 1;
        Ok(())
    }
}

#[cfg(feature = "async")]
mod asynch {
    //! The same mock for the async twin; it never waits.
    use super::*;

    impl embedded_io_async::Read for MockStream {
        async fn read(&mut self, buf: &mut [u8]) -> Result<usize, ErrorKind> {
            Read::read(self, buf)
        }
    }

    impl embedded_io_async::Write for MockStream {
        async fn write(&mut self, buf: &[u8]) -> Result<usize, ErrorKind> {
            Write::write(self, buf)
        }
        async fn flush(&mut self) -> Result<(), ErrorKind> {
            Ok(())
        }
    }

    impl ftp_core::asynch::DataConnector for MockData {
        type Error = ErrorKind;
        type Stream = MockStream;
        type Listener = ();

        async fn connect(&mut self, addr: SocketAddr) -> Result<MockStream, ErrorKind> {
            DataConnector::connect(self, addr)
        }

        async fn listen(&mut self) -> Result<((), SocketAddr), ErrorKind> {
            DataConnector::listen(self)
        }

        async fn accept(&mut self, l: ()) -> Result<(MockStream, SocketAddr), ErrorKind> {
            if self.never() {
                // Waits for ever: only the control connection can end it.
                core::future::pending::<()>().await;
            }
            DataConnector::accept(self, l)
        }

        async fn close(&mut self, stream: MockStream) -> Result<(), ErrorKind> {
            DataConnector::close(self, stream)
        }
    }
}
