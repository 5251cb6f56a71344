//! The blocking twin: `twin/` with every `async` and `.await` removed,
//! over std sockets, rustls streams and `std::fs`; its items are
//! re-exported at the crate root (`ftp_std::Ftp`, `ftp_std::mirror`).

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::Path;
use std::time::{Duration, SystemTime};

use ftp_core_macros::blocking as bisync;

use crate::connector::{Connector, DataStream};
use crate::control::{Control, ReplyClock};
use ftp_core::TransferType;

use crate::proxy::Target;
use crate::support::{io_err, read_retrying, text};
use crate::tls::TlsContext;
use crate::{Error, IoStream, Options, Progress, Security};

/// What the twins do differently: the blocking side.
pub(crate) mod rt {
    use super::*;

    pub(crate) use embedded_io::{Read as DataRead, Write as DataWrite};
    pub(crate) use std::fs;
    pub(crate) use std::fs::{File, OpenOptions};
    pub(crate) use std::io::Seek;

    /// The data stream of the core session.
    pub(crate) type CoreStream = IoStream<super::DataStream>;

    /// Where a download's blocks go: any `std::io` writer.
    pub(crate) trait Sink {
        fn put(&mut self, block: &[u8]) -> io::Result<()>;
        /// After the last block.
        fn done(&mut self) -> io::Result<()>;
    }

    impl<W: Write + ?Sized> Sink for W {
        fn put(&mut self, block: &[u8]) -> io::Result<()> {
            self.write_all(block)
        }

        fn done(&mut self) -> io::Result<()> {
            self.flush()
        }
    }

    /// What an upload sends: any `std::io` reader.
    pub(crate) trait Source {
        fn take(&mut self, buf: &mut [u8]) -> io::Result<usize>;
    }

    impl<R: Read + ?Sized> Source for R {
        fn take(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            read_retrying(self, buf)
        }
    }

    /// The core session under [`crate::Ftp`].
    pub(crate) type Session = crate::Session;
    /// The data stream [`crate::Ftp::ntransfercmd`] hands out.
    pub(crate) type DataStream = super::DataStream;

    /// What only this twin keeps in a session: the pipe downloads splice
    /// through (Linux).
    #[derive(Default)]
    pub(crate) struct Extra {
        #[cfg(target_os = "linux")]
        pub(crate) pipe: Option<crate::kernel::Pipe>,
    }

    pub(crate) fn control(session: &mut Session) -> &mut Control {
        &mut session.control_mut().0
    }

    pub(crate) fn resolve(host: &str, port: u16) -> io::Result<Vec<SocketAddr>> {
        Ok((host, port).to_socket_addrs()?.collect())
    }

    pub(crate) use crate::connector::tcp_connect;

    /// The TCP stream of this twin.
    pub(crate) type Tcp = TcpStream;
    pub(crate) use std::io::{Read as ProxyRead, Write as ProxyWrite};

    /// A proxy's handshake is bounded by the socket's timeouts here.
    pub(crate) fn handshake_timeouts(tcp: &Tcp, timeout: Option<Duration>) -> io::Result<()> {
        tcp.set_read_timeout(timeout)?;
        tcp.set_write_timeout(timeout)
    }

    /// The result of a step bounded by [`handshake_timeouts`].
    pub(crate) fn within<T>(_timeout: Option<Duration>, done: io::Result<T>) -> io::Result<T> {
        done
    }

    /// The session on a connected socket: TLS first when implicit, then
    /// the welcome.
    pub(crate) fn start(
        tcp: TcpStream,
        tls: Option<&TlsContext>,
        options: &Options,
        via_proxy: Option<Target>,
    ) -> Result<Session, Error> {
        io_err(tcp.set_nodelay(true))?;
        crate::connector::set_keepalive(socket2::SockRef::from(&tcp), options.keepalive);
        io_err(tcp.set_write_timeout(options.reply_timeout))?;
        let local = io_err(tcp.local_addr())?;
        let peer = io_err(tcp.peer_addr())?;
        let clock = ReplyClock::new(options.reply_timeout);
        let mut control = Control::new(tcp, clock.clone());
        if options.security == Security::Implicit
            && let Some(tls) = tls
        {
            io_err(control.start_tls(tls))?;
        }
        let connector = Connector::new(local, options, clock, via_proxy);
        let mut session = ftp_core::Ftp::connect(IoStream(control), connector, peer)?;
        session.set_pasv(options.passive);
        session.set_trust_server_pasv_ipv4_address(options.trust_server_pasv_ipv4_address);
        session.set_verify_data_peer(options.verify_data_peer);
        Ok(session)
    }

    /// A std file as this twin's file: itself.
    pub(crate) fn from_std(file: File) -> File {
        file
    }

    pub(crate) fn set_modified(file: &File, when: SystemTime) -> io::Result<()> {
        file.set_modified(when)
    }

    pub(crate) fn sleep(pause: Duration) {
        std::thread::sleep(pause)
    }

    /// Runs `f` (local file system work) here and now.
    pub(crate) fn unblock<T>(f: impl FnOnce() -> io::Result<T>) -> io::Result<T> {
        f()
    }

    /// A call's result as it is (the tokio twin boxes a large future).
    pub(crate) fn boxed<T>(value: T) -> T {
        value
    }

    /// Runs `main` on this thread while `n` sessions connect on threads
    /// of their own (a mirror's workers log in while the tree is
    /// scanned). A session that could not connect is `None`: its worker
    /// tries again when it has a job, and retires if the server caps
    /// connections.
    pub(crate) fn alongside<T, C: super::Connect>(
        n: usize,
        connect: &C,
        main: impl FnOnce() -> T,
    ) -> (T, Vec<Option<crate::Ftp>>) {
        if n == 0 {
            return (main(), Vec::new());
        }
        std::thread::scope(|scope| {
            let handles: Vec<_> = (0..n)
                .map(|i| {
                    std::thread::Builder::new()
                        .name(format!("connect-{i}"))
                        .spawn_scoped(scope, || connect.connect().ok())
                })
                .collect();
            let value = main();
            let sessions = handles
                .into_iter()
                .map(|h| h.ok().and_then(|h| h.join().ok().flatten()))
                .collect();
            (value, sessions)
        })
    }

    /// Runs mirror workers: the first on this thread with `first`, one
    /// for each of `extra` on a thread of its own with that session;
    /// returns the first's session.
    pub(crate) fn run_all<W>(
        first: Option<crate::Ftp>,
        extra: Vec<Option<crate::Ftp>>,
        worker: W,
    ) -> Option<crate::Ftp>
    where
        W: Fn(Option<crate::Ftp>) -> Option<crate::Ftp> + Sync,
    {
        let worker = &worker;
        std::thread::scope(|scope| {
            let mut handles = Vec::new();
            for (i, ftp) in extra.into_iter().enumerate() {
                let spawned = std::thread::Builder::new()
                    .name(format!("mirror-{}", i + 1))
                    .spawn_scoped(scope, move || worker(ftp));
                match spawned {
                    Ok(handle) => handles.push(handle),
                    // No threads here (WASI): the first worker does it all.
                    Err(e) => {
                        log::info!("mirror: no more workers ({e}), going on with {i}");
                        break;
                    }
                }
            }
            let first = worker(first);
            let mut panicked = None;
            for handle in handles {
                if let Err(panic) = handle.join() {
                    panicked.get_or_insert(panic);
                }
            }
            // A worker's panic (the caller's callback, or a bug) reaches
            // the caller, as in the tokio twin: a summary without that
            // worker's files would say less than what happened.
            if let Some(panic) = panicked {
                std::panic::resume_unwind(panic);
            }
            first
        })
    }

    /// Linux, clear text: the kernel moves a download's bytes (socket,
    /// pipe, file). Returns the bytes received, the final reply and the
    /// file when one was opened; `None` where the kernel cannot (TLS,
    /// other systems): the portable loop runs.
    pub(crate) fn kernel_receive(
        ftp: &mut crate::Ftp,
        cmd: &[u8],
        part: &Path,
        offset: u64,
        total: Option<u64>,
        progress: &mut impl FnMut(Progress),
    ) -> Option<Result<crate::files::Received<File>, Error>> {
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (ftp, cmd, part, offset, total, progress);
            None
        }
        #[cfg(target_os = "linux")]
        {
            use super::files::open_part;
            use crate::support::of_file;
            if ftp.data_is_tls() {
                return None;
            }
            let rest = (offset > 0).then_some(offset);
            let started = ftp
                .session
                .set_type(ftp_core::TransferType::Binary)
                .map_err(Error::from)
                .and_then(|()| Ok(ftp.session.ntransfercmd(cmd, rest)?));
            let (mut stream, announced) = match started {
                Ok((stream, announced)) => (stream.0, announced),
                Err(e) => return Some(Err(e)),
            };
            let total = total.or(announced.map(|a| a + offset));
            let moved = crate::kernel::splice_to_file(
                &mut ftp.extra.pipe,
                stream.tcp(),
                || open_part(part, offset),
                |done| {
                    progress(Progress {
                        done: offset + done,
                        total,
                    })
                },
            );
            let (received, file, data) = match moved {
                Ok((received, file)) => {
                    stream.set_ended();
                    if ftp.options().pipeline {
                        ftp.session.request_early_passive();
                    }
                    (received, file, Ok(()))
                }
                Err(crate::kernel::Spliced::Socket(e)) => (0, None, Err(ftp_core::Error::Io(e))),
                // The file's own failure, as the read loop's callback's.
                Err(crate::kernel::Spliced::File(e)) => {
                    (0, None, Err(ftp_core::Error::Callback(e)))
                }
            };
            // The core's end of every transfer: the final reply, the
            // completion rule, a timed-out data connection abandoned.
            let reply = ftp
                .session
                .finish_transfer(
                    IoStream(stream),
                    data,
                    announced.filter(|_| rest.is_none()),
                    received,
                )
                .map(text)
                .map_err(of_file(part));
            Some(reply.map(|reply| (received, reply, file)))
        }
    }
}

// Loaded twice on purpose: once per twin.
#[allow(clippy::duplicate_mod)]
#[path = "twin/client.rs"]
pub(crate) mod client;
#[allow(clippy::duplicate_mod)]
#[path = "twin/files.rs"]
pub(crate) mod files;
#[allow(clippy::duplicate_mod)]
#[path = "twin/mirror.rs"]
pub(crate) mod mirror;
#[allow(clippy::duplicate_mod)]
#[path = "twin/proxy.rs"]
pub(crate) mod proxy;
#[allow(clippy::duplicate_mod)]
#[path = "twin/segments.rs"]
pub(crate) mod segments;
#[allow(clippy::duplicate_mod)]
#[path = "twin/transfer.rs"]
pub(crate) mod transfer;

use client::Ftp;

/// How a mirror makes the sessions of its other workers (and a fresh one
/// when a connection dies): any `Fn() -> Result<Ftp, Error> + Sync`
/// closure that connects and logs in.
///
/// ```no_run
/// use ftp_std::{Ftp, Options};
/// let connect = || {
///     let mut ftp = Ftp::connect("ftp.example.com", 21, &Options::default())?;
///     ftp.login("anonymous", "", "")?;
///     Ok(ftp)
/// };
/// # fn takes(_: &impl ftp_std::Connect) {}
/// takes(&connect);
/// ```
pub trait Connect: Sync {
    /// A new session, logged in.
    fn connect(&self) -> Result<Ftp, Error>;
}

impl<F: Fn() -> Result<Ftp, Error> + Sync> Connect for F {
    fn connect(&self) -> Result<Ftp, Error> {
        self()
    }
}

/// What takes the caller's own readers and writers: `std::io` here,
/// tokio's `AsyncRead`/`AsyncWrite` in the tokio twin.
impl Ftp {
    /// Retrieves in binary mode into `out` (ftplib's `retrbinary`): `cmd`
    /// is `"RETR name"`; with `rest`, from that offset. Complete only when
    /// the data reached its end and the server's final reply is 2xx.
    pub fn retrbinary<W: Write + ?Sized>(
        &mut self,
        cmd: &str,
        out: &mut W,
        rest: Option<u64>,
    ) -> Result<crate::Reply, Error> {
        Ok(self.retr_to(&self.wire(cmd)?, out, rest)?.1)
    }

    /// Stores in binary mode from `input` (ftplib's `storbinary`): `cmd` is
    /// `"STOR name"`; with `rest`, the server writes from that offset.
    pub fn storbinary<R: Read + ?Sized>(
        &mut self,
        cmd: &str,
        input: &mut R,
        rest: Option<u64>,
    ) -> Result<crate::Reply, Error> {
        Ok(self.stor_from(&self.wire(cmd)?, TransferType::Binary, input, rest, |_| {})?)
    }

    /// Stores text from `input` in ASCII mode, line ends sent as CRLF
    /// (ftplib's `storlines`).
    pub fn storlines<R: Read + ?Sized>(
        &mut self,
        cmd: &str,
        input: &mut R,
    ) -> Result<crate::Reply, Error> {
        Ok(self.stor_from(&self.wire(cmd)?, TransferType::Ascii, input, None, |_| {})?)
    }

    /// Appends `input` to a remote file (APPE) in binary mode.
    pub fn appe<R: Read + ?Sized>(
        &mut self,
        path: &str,
        input: &mut R,
    ) -> Result<crate::Reply, Error> {
        let cmd = self.wire(&format!("APPE {path}"))?.into_owned();
        Ok(self.stor_from(&cmd, TransferType::Binary, input, None, |_| {})?)
    }

    /// Starts a transfer and hands over the data stream and the size the
    /// server announced (ftplib's `ntransfercmd`). Read or write it (it is
    /// a `std::io` stream), then give it to [`Ftp::end_transfer`].
    pub fn ntransfercmd(
        &mut self,
        cmd: &str,
        rest: Option<u64>,
    ) -> Result<(DataStream, Option<u64>), Error> {
        let (stream, size) = self.session.ntransfercmd(&*self.wire(cmd)?, rest)?;
        Ok((stream.0, size))
    }

    /// Ends a transfer [`Ftp::ntransfercmd`] started: closes the data
    /// stream cleanly and reads the final reply, which must be 2xx.
    pub fn end_transfer(&mut self, stream: DataStream) -> Result<crate::Reply, Error> {
        let reply = self
            .session
            .finish_transfer(IoStream(stream), Ok(()), None, 0)?;
        Ok(text(reply))
    }
}
