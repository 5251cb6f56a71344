//! The tokio session where it differs from the blocking one: its futures
//! dropped half-way (cancellation) and run on a multi-threaded runtime
//! (they are `Send`), against real servers on loopback.

use std::future::Future;
use std::io::Cursor;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use ftp_std::ftp_core::ProtocolError;
use ftp_std::tokio::Ftp;
use ftp_std::{Error, MirrorOptions, Options, Security, Verify, part_path};
use ftp_tests::{PASSWORD, PyFtpd, Tls, USER, VSFTPD_USER, Vsftpd, random_bytes};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

/// Polls `fut` until it is done or has been pending `polls` times, then
/// drops it: a cancellation at its `polls`-th await point that waited.
struct DropAfter<F> {
    fut: Pin<Box<F>>,
    polls: usize,
}

impl<F: Future> Future for DropAfter<F> {
    /// `None`: dropped before it finished.
    type Output = Option<F::Output>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.fut.as_mut().poll(cx) {
            Poll::Ready(v) => Poll::Ready(Some(v)),
            Poll::Pending if self.polls <= 1 => Poll::Ready(None),
            Poll::Pending => {
                self.polls -= 1;
                Poll::Pending
            }
        }
    }
}

fn drop_after<F: Future>(polls: usize, fut: F) -> DropAfter<F> {
    DropAfter {
        fut: Box::pin(fut),
        polls,
    }
}

struct Server {
    host: String,
    port: u16,
    user: &'static str,
    tls: Tls,
    ca: Option<std::path::PathBuf>,
    root: std::path::PathBuf,
    _keep: Box<dyn std::any::Any + Send + Sync>,
}

impl Server {
    fn pyftpdlib() -> Server {
        let s = PyFtpd::start("127.0.0.1");
        Server {
            host: s.host.clone(),
            port: s.port,
            user: USER,
            tls: Tls::Off,
            ca: None,
            root: s.root.path().to_path_buf(),
            _keep: Box::new(s),
        }
    }

    fn vsftpd_explicit() -> Server {
        let s = Vsftpd::start_with(Tls::Explicit, "127.0.0.1");
        Server {
            host: s.host.clone(),
            port: s.port,
            user: VSFTPD_USER,
            tls: Tls::Explicit,
            ca: s.ca.clone(),
            root: s.root.path().to_path_buf(),
            _keep: Box::new(s),
        }
    }

    fn options(&self) -> Options {
        let options = Options::default().timeout(Duration::from_secs(20));
        match (&self.tls, &self.ca) {
            (Tls::Off, _) => options,
            (_, Some(ca)) => options
                .security(Security::Explicit)
                .verify(Verify::CaFile(ca.clone())),
            (_, None) => options.security(Security::Explicit),
        }
    }

    async fn login(&self) -> Ftp {
        let mut ftp = Ftp::connect(&self.host, self.port, &self.options())
            .await
            .expect("connect");
        ftp.login(self.user, PASSWORD, "").await.expect("login");
        if self.tls != Tls::Off {
            ftp.prot_p().await.expect("prot_p");
        }
        ftp
    }

    fn put(&self, name: &str, data: &[u8]) {
        let p = self.root.join(name);
        std::fs::write(&p, data).unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o666)).unwrap();
    }
}

/// After a call was dropped: the next call is right, or says the session
/// is out of step (and then so does every later one), never a reply read
/// as another command's.
async fn next_call_is_right_or_out_of_step(ftp: &mut Ftp, what: &str, polls: usize) -> bool {
    match ftp.pwd().await {
        Ok(dir) => {
            assert_eq!(dir, "/", "{what} dropped after {polls} polls: PWD");
            // And the session goes on as usual.
            let names = ftp.nlst(None).await.unwrap();
            assert!(names.iter().any(|n| n == "big.bin"), "{what}: {names:?}");
            true
        }
        Err(Error::Protocol(ProtocolError::OutOfSync)) => {
            assert!(!ftp.is_open(), "{what}: out of step, closed");
            assert!(
                matches!(
                    ftp.noop().await,
                    Err(Error::Protocol(ProtocolError::OutOfSync) | Error::SessionClosed)
                ),
                "{what}: later calls fail too"
            );
            false
        }
        Err(e) => panic!("{what} dropped after {polls} polls: PWD gave {e:?}"),
    }
}

/// RETR, STOR and LIST dropped at each of their waits in turn (the n-th
/// pending poll, n = 1, 2, ... until the call completes within n), on a
/// clear-text and on a TLS session.
fn cancelled_calls(server: &Server) {
    let data = random_bytes(2 << 20, 71);
    server.put("big.bin", &data);
    let rt = runtime();
    rt.block_on(async {
        for what in ["RETR", "STOR", "LIST", "download"] {
            let (mut usable, mut out_of_step) = (0, 0);
            let mut polls = 1;
            let work = tempfile::tempdir().unwrap();
            let local = work.path().join("copy.bin");
            loop {
                assert!(polls < 100_000, "{what} never completed");
                let mut ftp = server.login().await;
                let mut sink = Vec::new();
                let done = match what {
                    "RETR" => drop_after(polls, ftp.retrbinary("RETR big.bin", &mut sink, None))
                        .await
                        .map(|r| r.map(|_| ())),
                    "STOR" => {
                        let mut input = Cursor::new(&data);
                        drop_after(polls, ftp.storbinary("STOR up.bin", &mut input, None))
                            .await
                            .map(|r| r.map(|_| ()))
                    }
                    "LIST" => drop_after(polls, ftp.dir(None))
                        .await
                        .map(|r| r.map(|_| ())),
                    _ => drop_after(polls, ftp.download("big.bin", &local))
                        .await
                        .map(|r| r.map(|_| ())),
                };
                match done {
                    Some(result) => {
                        result.unwrap_or_else(|e| panic!("{what} in {polls} polls: {e}"));
                        if what == "RETR" {
                            assert!(sink == data, "RETR bytes");
                        }
                        if what == "download" {
                            assert!(std::fs::read(&local).unwrap() == data);
                        }
                        break;
                    }
                    None => {
                        if what == "download" {
                            // Never a partial file under the final name. A
                            // drop after the final reply may still see the
                            // whole file put in place (the rename runs on
                            // tokio's blocking threads and finishes).
                            std::thread::sleep(Duration::from_millis(50));
                            if local.exists() {
                                assert!(
                                    std::fs::read(&local).unwrap() == data,
                                    "download dropped after {polls} polls: a partial file"
                                );
                                std::fs::remove_file(&local).unwrap();
                            }
                            let _ = std::fs::remove_file(part_path(&local));
                        }
                        if next_call_is_right_or_out_of_step(&mut ftp, what, polls).await {
                            usable += 1;
                        } else {
                            out_of_step += 1;
                        }
                    }
                }
                // Waits are many in a long transfer: every wait early on,
                // then every seventh.
                polls += if polls < 40 { 1 } else { 7 };
            }
            eprintln!(
                "{what}: completed at {polls} polls; dropped earlier: {usable} usable, {out_of_step} out of step"
            );
            assert!(out_of_step > 0, "{what}: a drop mid-command puts it out of step");
        }
    });
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib (the README's test command runs it)"
)]
fn cancelled_calls_clear_text() {
    cancelled_calls(&Server::pyftpdlib());
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs vsftpd and root (the README's test command runs it)"
)]
fn cancelled_calls_over_tls() {
    cancelled_calls(&Server::vsftpd_explicit());
}

/// `tokio::time::timeout` around calls, as services write it: a download
/// that takes too long ends in `Elapsed`, the final name stays empty, and
/// a new session does the job.
#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib (the README's test command runs it)"
)]
fn a_timeout_around_a_download() {
    let server = Server::pyftpdlib();
    let data = random_bytes(64 << 20, 72);
    server.put("big.bin", &data);
    let work = tempfile::tempdir().unwrap();
    let local = work.path().join("big.bin");
    runtime().block_on(async {
        let mut ftp = server.login().await;
        let late =
            tokio::time::timeout(Duration::from_millis(30), ftp.download("big.bin", &local)).await;
        assert!(late.is_err(), "64 MiB in 30 ms?");
        assert!(!local.exists());
        assert!(matches!(
            ftp.pwd().await,
            Err(Error::Protocol(ProtocolError::OutOfSync))
        ));
        let mut ftp = server.login().await;
        let done = ftp
            .download_with("big.bin", &local, true, |_| {})
            .await
            .unwrap();
        assert_eq!(done.offset + done.bytes, 64 << 20);
        assert!(std::fs::read(&local).unwrap() == data);
    });
}

fn assert_send<T: Send>(t: T) -> T {
    t
}

/// The session's futures are `Send`: spawned on a multi-threaded runtime,
/// eight sessions at once, and a mirror.
#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs vsftpd and root (the README's test command runs it)"
)]
fn spawned_on_a_multi_threaded_runtime() {
    let server = std::sync::Arc::new(Server::vsftpd_explicit());
    for i in 0..8 {
        server.put(&format!("f{i}"), &random_bytes(100_000, i));
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let work = tempfile::tempdir().unwrap();
    rt.block_on(async {
        let mut tasks = Vec::new();
        for i in 0..8 {
            let server = server.clone();
            let local = work.path().join(format!("f{i}"));
            tasks.push(tokio::spawn(assert_send(async move {
                let mut ftp = server.login().await;
                ftp.download(&format!("f{i}"), &local).await.unwrap();
                ftp.quit().await.unwrap();
                local
            })));
        }
        for (i, task) in tasks.into_iter().enumerate() {
            let local = task.await.unwrap();
            assert!(std::fs::read(&local).unwrap() == random_bytes(100_000, i as u64));
        }
        let server2 = server.clone();
        let target = work.path().join("mirror");
        let summary = tokio::spawn(assert_send(async move {
            let connect = || async { Ok(server2.login().await) };
            let mut session = None;
            let options = MirrorOptions::default().parallel(4);
            ftp_std::tokio::mirror(&mut session, &connect, "/", &target, &options, &|_| {}).await
        }))
        .await
        .unwrap()
        .unwrap();
        assert!(summary.failed.is_empty(), "{:?}", summary.failed);
        assert_eq!(summary.files, 8);
    });
    assert!(Path::new(&work.path().join("mirror/f7")).exists());
}

/// Every future of the tokio session is `Send` (so `tokio::spawn` takes
/// it): checked when this file compiles, with the closures users write.
#[allow(dead_code)]
fn every_future_is_send() {
    async fn all_of_them(ftp: &mut Ftp, local: &Path) -> Result<(), Error> {
        let connect = || async { Ftp::connect("127.0.0.1", 21, &Options::default()).await };
        let mut session = None;
        let options = MirrorOptions::default();
        ftp_std::tokio::mirror(&mut session, &connect, "/", local, &options, &|_| {}).await?;
        ftp_std::tokio::mirror_up(&mut session, &connect, local, "/", &options, &|_| {}).await?;
        let how = ftp_std::Segmented::default();
        ftp_std::tokio::download_segmented(&mut session, &connect, "x", local, &how, &|_| {})
            .await?;
        ftp.dir(None).await?;
        ftp.nlst(None).await?;
        ftp.mlsd(None, &["size"]).await?;
        ftp.retrlines("LIST", |_| {}).await?;
        let mut out = Vec::new();
        ftp.retrbinary("RETR x", &mut out, None).await?;
        ftp.storbinary("STOR x", &mut Cursor::new(&out), None)
            .await?;
        ftp.storlines("STOR x", &mut Cursor::new(&out)).await?;
        ftp.appe("x", &mut Cursor::new(&out)).await?;
        ftp.download_with("x", local, true, |_| {}).await?;
        ftp.upload_with(local, "x", true, |_| {}).await?;
        let (stream, _) = ftp.ntransfercmd("RETR x", None).await?;
        ftp.end_transfer(stream).await?;
        ftp.quit().await?;
        Ok(())
    }
    fn send<T: Send>(_: &T) {}
    let mut ftp: Option<Ftp> = None;
    if let Some(ftp) = &mut ftp {
        send(&all_of_them(ftp, Path::new("x")));
    }
}
