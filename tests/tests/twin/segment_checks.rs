// Segmented downloads, written once for both sessions (each twin module
// gives `download_segmented`, `bisync`, `connector_with` and `run`).

// `run(check())`: in the blocking twin the check has run and `run` gets
// its `()`.
#![allow(clippy::unit_arg)]

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use ftp_std::{Options, Security, Segmented, Verify};
use ftp_tests::{DataFault, Faults, FaultyFtpd, PASSWORD, PyFtpd, Tls, USER, VSFTPD_USER, Vsftpd};

use super::{Connect as _, bisync, connector_with, download_segmented, mirror, run};

fn options() -> Options {
    Options::default().timeout(Duration::from_secs(20))
}

/// Downloads `remote` from 127.0.0.1:`port` in `how`'s segments into
/// `local`; returns the bytes moved and the progress seen.
#[bisync]
async fn fetch(
    port: u16,
    user: &'static str,
    options: Options,
    remote: &str,
    local: &Path,
    how: &Segmented,
) -> Result<(ftp_std::Transferred, Vec<u64>), ftp_std::Error> {
    let connect = connector_with(port, user, PASSWORD, options);
    let mut session = Some(connect.connect().await?);
    let seen = Mutex::new(Vec::new());
    let progress = |p: ftp_std::Progress| seen.lock().unwrap().push(p.done);
    let done = download_segmented(&mut session, &connect, remote, local, how, &progress).await?;
    Ok((done, seen.into_inner().unwrap()))
}

#[track_caller]
fn landed(local: &Path, data: &[u8]) {
    assert!(std::fs::read(local).unwrap() == data, "bytes equal");
    let part = ftp_std::part_path(local);
    assert!(!part.exists(), "no .part left");
    let mut state = part.into_os_string();
    state.push(".segments");
    assert!(!Path::new(&state).exists(), "no .segments left");
}

#[bisync]
async fn against(port: u16, user: &'static str, options: Options, root: &Path) {
    let data = ftp_tests::random_bytes(9 << 20, 3);
    std::fs::write(root.join("big.bin"), &data).unwrap();
    std::fs::write(root.join("small.bin"), &data[..1000]).unwrap();
    let work = tempfile::tempdir().unwrap();
    for n in [4, 3] {
        let local = work.path().join(format!("big{n}.bin"));
        let how = Segmented::default().segments(n);
        let (done, seen) = fetch(port, user, options.clone(), "big.bin", &local, &how)
            .await
            .unwrap();
        landed(&local, &data);
        assert_eq!((done.offset, done.bytes), (0, data.len() as u64));
        assert_eq!(seen.last(), Some(&(data.len() as u64)));
        assert!(seen.windows(2).all(|w| w[0] <= w[1]), "progress only grows");
    }
    // Below min_size: one stream.
    let local = work.path().join("small.bin");
    let (done, _) = fetch(
        port,
        user,
        options,
        "small.bin",
        &local,
        &Segmented::default(),
    )
    .await
    .unwrap();
    landed(&local, &data[..1000]);
    assert_eq!(done.bytes, 1000);
}

#[bisync]
async fn vsftpd_and_pyftpdlib() {
    let vs = Vsftpd::start();
    run_root(&vs.root.path().to_path_buf());
    against(vs.port, VSFTPD_USER, options(), vs.root.path()).await;
    let py = PyFtpd::start("127.0.0.1");
    against(py.port, USER, options(), py.root.path()).await;
    // FTPS: each range's data connection resumes the control's TLS
    // session, and a range's stop resets a TLS stream.
    let tls = Vsftpd::start_with(Tls::Explicit, "127.0.0.1");
    let options = options()
        .security(Security::Explicit)
        .verify(Verify::CaFile(tls.ca.clone().unwrap()));
    against(tls.port, VSFTPD_USER, options, tls.root.path()).await;
}

/// vsftpd's user reads what the tests write there.
fn run_root(root: &std::path::PathBuf) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o755));
}

/// A download cut in every range (the server closes each data connection
/// early) leaves `.part` and its ranges; the resume continues each range
/// where it stopped and moves only what is missing.
#[bisync]
async fn a_cut_download_resumes_each_range() {
    let data = ftp_tests::random_bytes(4 << 20, 8);
    let work = tempfile::tempdir().unwrap();
    let local = work.path().join("cut.bin");
    let cutting = FaultyFtpd::start(Faults {
        file: data.clone(),
        data: DataFault::CloseEarly(300_000),
        ..Faults::default()
    });
    let how = Segmented::default().segments(4).retries(0);
    let e = fetch(cutting.port, "u", options(), "f", &local, &how)
        .await
        .unwrap_err();
    assert!(
        matches!(e, ftp_std::Error::TransferIncomplete { .. }),
        "{e:?}"
    );
    assert!(!local.exists());
    let part = ftp_std::part_path(&local);
    assert_eq!(std::fs::metadata(&part).unwrap().len(), data.len() as u64);

    let good = FaultyFtpd::start(Faults {
        file: data.clone(),
        ..Faults::default()
    });
    let (done, _) = fetch(
        good.port,
        "u",
        options(),
        "f",
        &local,
        &how.clone().resume(true),
    )
    .await
    .unwrap();
    landed(&local, &data);
    // Each range had 300 000 bytes (or all of its own) before the cut.
    assert!(done.offset >= 4 * 300_000 - 1, "{done:?}");
    assert_eq!(done.offset + done.bytes, data.len() as u64, "{done:?}");
    let sent = String::from_utf8_lossy(&good.received()).into_owned();
    assert!(
        sent.contains("REST 300000\r\n"),
        "the first range continued: {sent}"
    );
}

/// A server that refuses REST gets one stream; one that refuses a second
/// connection gets every range over the first.
#[bisync]
async fn servers_that_refuse_rest_or_connections() {
    let data = ftp_tests::random_bytes(3 << 20, 9);
    let work = tempfile::tempdir().unwrap();
    let no_rest = FaultyFtpd::start(Faults {
        file: data.clone(),
        replies: vec![("REST".into(), b"502 REST not implemented\r\n".to_vec())],
        ..Faults::default()
    });
    let local = work.path().join("one.bin");
    let (done, _) = fetch(
        no_rest.port,
        "u",
        options(),
        "f",
        &local,
        &Segmented::default(),
    )
    .await
    .unwrap();
    landed(&local, &data);
    assert_eq!(done.offset, 0);
    let sent = String::from_utf8_lossy(&no_rest.received()).into_owned();
    assert!(sent.contains("REST "), "{sent}");

    let one = FaultyFtpd::start(Faults {
        file: data.clone(),
        max_sessions: Some(1),
        ..Faults::default()
    });
    let local = work.path().join("first.bin");
    fetch(one.port, "u", options(), "f", &local, &Segmented::default())
        .await
        .unwrap();
    landed(&local, &data);
    assert_eq!(one.most_sessions(), 1);
    assert!(one.refused_sessions() >= 1);
}

/// A mirror fetches its big files in ranges (`MirrorOptions::segments`),
/// the small ones as they are; the copies keep the server's times, so a
/// second `only_newer` run moves nothing.
#[bisync]
async fn a_mirror_segments_its_big_files() {
    let server = PyFtpd::start("127.0.0.1");
    let root = server.root.path();
    std::fs::create_dir(root.join("d")).unwrap();
    let big = ftp_tests::random_bytes(10 << 20, 4);
    std::fs::write(root.join("d/big.bin"), &big).unwrap();
    for i in 0..5 {
        std::fs::write(root.join(format!("d/small{i}")), format!("small {i}")).unwrap();
    }
    let work = tempfile::tempdir().unwrap();
    let local = work.path().join("copy");
    let connect = connector_with(server.port, USER, PASSWORD, options());
    let mut session = Some(connect.connect().await.unwrap());
    let opts = ftp_std::MirrorOptions::default()
        .parallel(2)
        .segments(4)
        .segment_above(4 << 20)
        .only_newer(true);
    let s = mirror(&mut session, &connect, "/", &local, &opts, &|_| {})
        .await
        .unwrap();
    assert!(s.failed.is_empty() && s.refused.is_empty(), "{s:?}");
    assert_eq!(s.files, 6, "{s:?}");
    assert!(std::fs::read(local.join("d/big.bin")).unwrap() == big);
    assert_eq!(std::fs::read(local.join("d/small3")).unwrap(), b"small 3");
    assert!(!local.join("d/big.bin.part.segments").exists());
    let again = mirror(&mut session, &connect, "/", &local, &opts, &|_| {})
        .await
        .unwrap();
    assert_eq!((again.files, again.bytes), (0, 0), "{again:?}");
}

macro_rules! interop {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            #[cfg_attr(
                not(feature = "interop"),
                ignore = "needs vsftpd and pyftpdlib (the README's test command runs it)"
            )]
            fn $name() {
                run(super::$name());
            }
        )*
    };
}

mod against_servers {
    use super::run;
    interop!(vsftpd_and_pyftpdlib);

    /// On a thread with a larger stack: a debug build's frames for a
    /// mirror's worker polling a segmented download's workers outgrow a
    /// test thread's 2 MiB in the tokio twin (release frames are a
    /// fraction of that).
    #[test]
    #[cfg_attr(
        not(feature = "interop"),
        ignore = "needs pyftpdlib (the README's test command runs it)"
    )]
    fn a_mirror_segments_its_big_files() {
        std::thread::Builder::new()
            .stack_size(32 << 20)
            .spawn(|| run(super::a_mirror_segments_its_big_files()))
            .unwrap()
            .join()
            .unwrap();
    }
}

#[test]
fn a_cut_download_resumes_each_range_fault_server() {
    run(a_cut_download_resumes_each_range());
}

#[test]
fn servers_that_refuse_rest_or_connections_fault_server() {
    run(servers_that_refuse_rest_or_connections());
}
