// The mirror's checks against real servers, written once for the
// blocking `ftp_std::mirror` and the tokio `ftp_std::tokio::mirror` (each
// twin module gives `Ftp`, `mirror`, `mirror_up`, `bisync` and `run`).

// `run(check())`: in the blocking twin the check has run and `run` gets
// its `()`.
#![allow(clippy::unit_arg)]

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ftp_std::{MirrorOptions, Summary};
use ftp_tests::{PASSWORD, PyFtpd, USER, VSFTPD_USER, Vsftpd, make_tree, read_tree};

use super::{Connect as _, Pool, bisync, connector, mirror, mirror_up, run, twin_test};

fn quiet() -> &'static (dyn Fn(ftp_std::MirrorProgress) + Sync) {
    &|_| {}
}

/// Runs `check` on a thread of its own with 16 MiB of stack: the poll
/// frames of five mirrors in a row (debug build, tokio twin) nest deeper
/// than a test thread's 2 MiB.
fn on_a_big_stack(check: impl FnOnce() + Send) {
    std::thread::scope(|scope| {
        std::thread::Builder::new()
            .stack_size(16 << 20)
            .spawn_scoped(scope, check)
            .expect("a thread")
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    });
}

#[track_caller]
fn clean(s: &Summary) {
    assert!(s.failed.is_empty(), "failed: {:?}", s.failed);
    assert!(s.refused.is_empty(), "refused: {:?}", s.refused);
}

fn file_count(tree: &[(String, Option<Vec<u8>>)]) -> u64 {
    tree.iter().filter(|(_, d)| d.is_some()).count() as u64
}

/// Down, again with only_newer, a changed file, a vanished file, then up.
fn set_mtime(path: &Path, when: std::time::SystemTime) {
    std::fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(when)
        .unwrap();
}

#[bisync]
async fn both_ways(root: &Path, port: u16, user: &'static str, server_sets_times: bool) {
    both_ways_at(root, port, user, server_sets_times, "/", 1).await;
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs inetutils-ftpd and root (the README's test command runs it)"
)]
fn inetutils_tree_both_ways_with_4_connections() {
    on_a_big_stack(|| run(inetutils_tree_both_ways_with_4_connections_run()));
}

#[bisync]
async fn inetutils_tree_both_ways_with_4_connections_run() {
    let server = ftp_tests::InetFtpd::start("127.0.0.1");
    let base = server.root.path().display().to_string();
    let summaries = both_ways_at(
        server.root.path(),
        server.port,
        VSFTPD_USER,
        false,
        &base,
        4,
    )
    .await;
    assert_eq!(summaries[0].connections, 4, "{:?}", summaries[0]);
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs ftp-srv (Node) (the README's test command runs it)"
)]
fn ftp_srv_tree_both_ways_with_4_connections_under_a_limit_of_2() {
    on_a_big_stack(|| run(ftp_srv_tree_both_ways_with_4_connections_under_a_limit_of_2_run()));
}

/// ftp-srv greets a third session with 421: the mirror asked for 4 goes
/// on with the 2 it got, every file both ways.
#[bisync]
async fn ftp_srv_tree_both_ways_with_4_connections_under_a_limit_of_2_run() {
    let server = ftp_tests::FtpSrv::start(false, Some(2));
    let summaries = both_ways_at(server.root.path(), server.port, USER, false, "/", 4).await;
    assert_eq!(summaries[0].connections, 2, "{:?}", summaries[0]);
}

/// [`both_ways`] with the tree at `base` on the server (its root's
/// absolute path where the server does not root the session there) and
/// `parallel` connections.
#[bisync]
async fn both_ways_at(
    root: &Path,
    port: u16,
    user: &'static str,
    server_sets_times: bool,
    base: &str,
    parallel: usize,
) -> Vec<Summary> {
    let mut summaries = Vec::new();
    let up = format!("{}/up", base.trim_end_matches('/'));
    make_tree(root, 300, 50_000, 1);
    let now = std::time::SystemTime::now();
    let touched = root.join("src/f3");
    set_mtime(&touched, now - Duration::from_secs(7200));
    let source = read_tree(root);
    let connect = connector(port, user, PASSWORD);
    let mut session = Some(connect.connect().await.unwrap());
    let work = tempfile::tempdir().unwrap();
    let local = work.path().join("copy");

    // only_newer from the start: the copies get the server's times (from
    // MLSD, or one MDTM a file from a LIST server).
    let newer = MirrorOptions::default().only_newer(true).parallel(parallel);
    let s = mirror(&mut session, &connect, base, &local, &newer, quiet())
        .await
        .unwrap();
    clean(&s);
    summaries.push(s.clone());
    assert_eq!(s.files, file_count(&source));
    assert_eq!(read_tree(&local), source, "mirrored down byte for byte");
    assert!(s.bytes > 0 && s.seconds > 0.0);

    let s = mirror(&mut session, &connect, base, &local, &newer, quiet())
        .await
        .unwrap();
    clean(&s);
    summaries.push(s.clone());
    assert_eq!(
        (s.files, s.skipped),
        (0, file_count(&source)),
        "nothing is newer"
    );

    // A file changed on the server (size), one touched (same size, newer
    // than the copy, older than now, so that an upload later is newer).
    std::fs::write(root.join("docs/file 8.txt"), b"changed on the server").unwrap();
    let same_size = vec![b'x'; std::fs::metadata(&touched).unwrap().len() as usize];
    std::fs::write(&touched, &same_size).unwrap();
    set_mtime(&touched, now - Duration::from_secs(3600));
    let s = mirror(&mut session, &connect, base, &local, &newer, quiet())
        .await
        .unwrap();
    clean(&s);
    summaries.push(s.clone());
    assert_eq!(s.files, 2, "the changed and the touched file");
    assert_eq!(read_tree(&local), read_tree(root));

    // What vanished goes with delete, not without.
    std::fs::remove_file(root.join("with space/fichier-é-13.bin")).unwrap();
    std::fs::remove_dir(root.join("empty dir")).unwrap();
    let s = mirror(&mut session, &connect, base, &local, &newer, quiet())
        .await
        .unwrap();
    assert_eq!(s.deleted, 0);
    assert!(local.join("with space/fichier-é-13.bin").exists());
    let delete = MirrorOptions::default()
        .only_newer(true)
        .delete(true)
        .parallel(parallel);
    let s = mirror(&mut session, &connect, base, &local, &delete, quiet())
        .await
        .unwrap();
    clean(&s);
    summaries.push(s.clone());
    assert_eq!(s.deleted, 2);
    assert_eq!(read_tree(&local), read_tree(root));

    // Up: into a new remote directory, byte for byte.
    let s = mirror_up(
        &mut session,
        &connect,
        &local,
        &up,
        &MirrorOptions::default().parallel(parallel),
        quiet(),
    )
    .await
    .unwrap();
    clean(&s);
    summaries.push(s.clone());
    assert_eq!(read_tree(&root.join("up")), read_tree(&local));
    let s = mirror_up(&mut session, &connect, &local, &up, &newer, quiet())
        .await
        .unwrap();
    clean(&s);
    summaries.push(s.clone());
    assert_eq!(s.files, 0, "nothing newer to upload");
    std::fs::write(local.join("docs/new file.txt"), b"new").unwrap();
    std::fs::remove_file(local.join("src/f3")).unwrap();
    let s = mirror_up(&mut session, &connect, &local, &up, &delete, quiet())
        .await
        .unwrap();
    clean(&s);
    summaries.push(s.clone());
    assert_eq!((s.files, s.deleted), (1, 1));
    assert_eq!(read_tree(&root.join("up")), read_tree(&local));
    if server_sets_times {
        // MFMT or MDTM gave the uploaded files the local times.
        let l = std::fs::metadata(local.join("docs/new file.txt"))
            .unwrap()
            .modified()
            .unwrap();
        let r = std::fs::metadata(root.join("up/docs/new file.txt"))
            .unwrap()
            .modified()
            .unwrap();
        let diff = l.duration_since(r).unwrap_or_else(|e| e.duration());
        assert!(diff < Duration::from_secs(2), "{diff:?}");
    }
    // The session is still in the directory it started in.
    // (`/` for every server here: inetutils' user logs in at `/` too.)
    assert_eq!(session.as_mut().unwrap().pwd().await.unwrap(), "/");
    summaries
}

#[twin_test(run)]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs vsftpd and root (the README's test command runs it)"
)]
async fn vsftpd_tree_both_ways() {
    let server = Vsftpd::start();
    both_ways(server.root.path(), server.port, VSFTPD_USER, true).await;
}

#[twin_test(run)]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib (the README's test command runs it)"
)]
async fn pyftpdlib_tree_both_ways() {
    let server = PyFtpd::start("127.0.0.1");
    both_ways(server.root.path(), server.port, USER, true).await;
}

#[twin_test(run)]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib and vsftpd and root (the README's test command runs it)"
)]
async fn parallel_4_gives_the_same_tree_as_parallel_1() {
    for vs in [true, false] {
        let (root, port, user, _keep): (
            std::path::PathBuf,
            u16,
            &'static str,
            Box<dyn std::any::Any>,
        ) = if vs {
            let s = Vsftpd::start();
            (
                s.root.path().to_path_buf(),
                s.port,
                VSFTPD_USER,
                Box::new(s),
            )
        } else {
            let s = PyFtpd::start("127.0.0.1");
            (s.root.path().to_path_buf(), s.port, USER, Box::new(s))
        };
        make_tree(&root, 400, 100_000, 2);
        let connect = connector(port, user, PASSWORD);
        let work = tempfile::tempdir().unwrap();
        let mut trees = Vec::new();
        for parallel in [1, 4] {
            let mut session = None;
            let local = work.path().join(format!("p{parallel}"));
            let opts = MirrorOptions::default().parallel(parallel);
            let s = mirror(&mut session, &connect, "/", &local, &opts, quiet())
                .await
                .unwrap();
            clean(&s);
            assert_eq!(s.files, 400);
            trees.push(read_tree(&local));
        }
        assert_eq!(trees[0], trees[1]);
        assert_eq!(trees[0], read_tree(&root));
    }
}

/// A download lists as it goes: with four connections, files arrive
/// while directories are still being listed (the progress says so), and
/// the copy is whole.
#[twin_test(run)]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib (the README's test command runs it)"
)]
async fn downloads_start_before_the_scan_ends() {
    let server = PyFtpd::start("127.0.0.1");
    let root = server.root.path();
    for d in 0..40 {
        let dir = root.join(format!("d{d:02}"));
        std::fs::create_dir_all(&dir).unwrap();
        for f in 0..3 {
            std::fs::write(dir.join(format!("f{f}")), format!("{d}/{f}\n").repeat(50)).unwrap();
        }
    }
    let connect = connector(server.port, USER, PASSWORD);
    let work = tempfile::tempdir().unwrap();
    let local = work.path().join("copy");
    let seen = Mutex::new((false, 0u64));
    let watch = |p: ftp_std::MirrorProgress| {
        let mut seen = seen.lock().unwrap();
        if p.scanning && p.files_done > 0 {
            seen.0 = true;
        }
        seen.1 = seen.1.max(p.files_total);
    };
    let mut session = None;
    let opts = MirrorOptions::default().parallel(4);
    let s = mirror(&mut session, &connect, "/", &local, &opts, &watch)
        .await
        .unwrap();
    clean(&s);
    assert_eq!((s.files, s.dirs_created), (120, 40));
    assert_eq!(read_tree(&local), read_tree(root));
    let (overlapped, total) = *seen.lock().unwrap();
    assert!(overlapped, "no file was done while the scan went on");
    assert_eq!(total, 120);
}

/// A directory the server will not list is reported, the rest is
/// mirrored, and with `delete` nothing under it is deleted: its entries
/// are unknown, not gone (also in a dry run's plan). pyftpdlib refuses
/// the listing with 550; vsftpd sends no lines and a 226 that says it
/// failed to open the directory, which must not pass for an empty one.
#[twin_test(run)]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib and vsftpd and root (the README's test command runs it)"
)]
async fn an_unlistable_directory_keeps_its_local_files() {
    use std::os::unix::fs::PermissionsExt;
    for vs in [false, true] {
        let (root, port, user, said, _keep): (
            std::path::PathBuf,
            u16,
            &'static str,
            &str,
            Box<dyn std::any::Any>,
        ) = if vs {
            let s = Vsftpd::start();
            (
                s.root.path().to_path_buf(),
                s.port,
                VSFTPD_USER,
                "failed to open directory",
                Box::new(s),
            )
        } else {
            let s = PyFtpd::start_unlistable("127.0.0.1", "secret");
            (
                s.root.path().to_path_buf(),
                s.port,
                USER,
                "550",
                Box::new(s),
            )
        };
        std::fs::create_dir_all(root.join("secret")).unwrap();
        std::fs::write(root.join("secret/inside"), b"x").unwrap();
        std::fs::create_dir_all(root.join("open")).unwrap();
        std::fs::write(root.join("open/a"), b"a").unwrap();
        if vs {
            // Owned by root, unreadable for the session's user.
            std::fs::set_permissions(root.join("secret"), std::fs::Permissions::from_mode(0o000))
                .unwrap();
        }
        let work = tempfile::tempdir().unwrap();
        let local = work.path().join("copy");
        std::fs::create_dir_all(local.join("secret")).unwrap();
        std::fs::write(local.join("secret/kept"), b"mine").unwrap();
        std::fs::write(local.join("gone"), b"old").unwrap();
        let connect = connector(port, user, PASSWORD);
        for parallel in [1, 3] {
            for dry_run in [true, false] {
                let mut session = None;
                let opts = MirrorOptions::default()
                    .parallel(parallel)
                    .delete(true)
                    .dry_run(dry_run);
                let s = mirror(&mut session, &connect, "/", &local, &opts, quiet())
                    .await
                    .unwrap();
                assert_eq!(s.failed.len(), 1, "{:?}", s.failed);
                assert_eq!(s.failed[0].path, "secret");
                assert!(s.failed[0].message.contains(said), "{:?}", s.failed);
                if dry_run {
                    assert!(
                        !s.planned.iter().any(|p| p.contains("secret/kept")),
                        "{:?}",
                        s.planned
                    );
                }
            }
            assert_eq!(std::fs::read(local.join("secret/kept")).unwrap(), b"mine");
            assert_eq!(std::fs::read(local.join("open/a")).unwrap(), b"a");
            assert!(!local.join("gone").exists());
        }
        let _ =
            std::fs::set_permissions(root.join("secret"), std::fs::Permissions::from_mode(0o755));
    }
}

/// A worker that panics (here the caller's progress callback) ends the
/// mirror with that panic: the other workers do not wait forever for the
/// listing it held.
#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib (the README's test command runs it)"
)]
fn a_panicking_worker_ends_the_mirror() {
    let server = PyFtpd::start("127.0.0.1");
    for d in 0..8 {
        let dir = server.root.path().join(format!("d{d}"));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("f"), b"f").unwrap();
    }
    let port = server.port;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let outcome = std::panic::catch_unwind(|| {
            run(async_panicking_mirror(port));
        });
        let _ = tx.send(outcome.is_err());
    });
    let panicked = rx
        .recv_timeout(Duration::from_secs(60))
        .expect("the mirror ended");
    assert!(panicked, "the callback's panic reached the caller");
}

#[bisync]
async fn async_panicking_mirror(port: u16) {
    let connect = connector(port, USER, PASSWORD);
    let work = tempfile::tempdir().unwrap();
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let progress = |_: ftp_std::MirrorProgress| {
        if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 2 {
            panic!("a progress callback that fails");
        }
    };
    let mut session = None;
    let opts = MirrorOptions::default().parallel(4);
    let _ = mirror(&mut session, &connect, "/", work.path(), &opts, &progress).await;
}

#[twin_test(run)]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib (the README's test command runs it)"
)]
async fn dry_run_and_filters() {
    let server = PyFtpd::start("127.0.0.1");
    make_tree(server.root.path(), 40, 1000, 3);
    let connect = connector(server.port, USER, PASSWORD);
    let work = tempfile::tempdir().unwrap();
    let local = work.path().join("t");
    let mut session = None;
    let dry = MirrorOptions::default().dry_run(true);
    let s = mirror(&mut session, &connect, "/", &local, &dry, quiet())
        .await
        .unwrap();
    assert!(!local.exists(), "a dry run writes nothing");
    assert_eq!(s.files, 0);
    assert_eq!(
        s.planned.iter().filter(|p| p.starts_with("get ")).count(),
        40
    );
    assert!(s.planned.contains(&"mkdir src/日本/deep dir".to_string()));
    let filtered = MirrorOptions::default()
        .include(vec!["*.txt".into(), "*.dat".into()])
        .exclude(vec!["src/日本/*".into(), "*2.txt".into()]);
    let s = mirror(&mut session, &connect, "/", &local, &filtered, quiet())
        .await
        .unwrap();
    clean(&s);
    for (path, data) in read_tree(&local) {
        if data.is_some() {
            assert!(path.ends_with(".txt") || path.ends_with(".dat"), "{path}");
            assert!(
                !path.starts_with("src/日本/") && !path.ends_with("2.txt"),
                "{path}"
            );
        }
    }
    assert!(s.files > 5);
    // A subtree by a relative path, from the session's directory.
    let sub = work.path().join("sub");
    session.as_mut().unwrap().cwd("src").await.unwrap();
    let s = mirror(
        &mut session,
        &connect,
        "日本",
        &sub,
        &MirrorOptions::default(),
        quiet(),
    )
    .await
    .unwrap();
    clean(&s);
    assert_eq!(read_tree(&sub), read_tree(&server.path("src/日本")));
    assert_eq!(session.as_mut().unwrap().pwd().await.unwrap(), "/src");
}

#[twin_test(run)]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib (the README's test command runs it)"
)]
async fn a_server_killed_mid_mirror() {
    let server = Arc::new(Mutex::new(PyFtpd::start("127.0.0.1")));
    let (root, port) = {
        let s = server.lock().unwrap();
        (s.root.path().to_path_buf(), s.port)
    };
    make_tree(&root, 60, 1 << 20, 4);
    let source = read_tree(&root);
    let connect = connector(port, USER, PASSWORD);
    let work = tempfile::tempdir().unwrap();
    let local = work.path().join("t");
    let opts = MirrorOptions::default()
        .parallel(2)
        .retries(1)
        .retry_pause(Duration::from_millis(50));
    let killer = server.clone();
    let kill_at = |p: ftp_std::MirrorProgress| {
        if p.bytes_done > 3 << 20 {
            killer.lock().unwrap().kill();
        }
    };
    let mut session = None;
    let s = mirror(&mut session, &connect, "/", &local, &opts, &kill_at)
        .await
        .unwrap();
    assert!(!s.failed.is_empty(), "the run reports the files it lost");
    assert!(s.files < 60);
    // No partial file under a final name: every file there is whole.
    let got = read_tree(&local);
    for (path, data) in &got {
        if let Some(data) = data
            && !path.ends_with(".part")
        {
            let want = source
                .iter()
                .find(|(p, _)| p == path)
                .expect("a source file");
            assert_eq!(Some(data), want.1.as_ref(), "{path} is whole");
        }
    }
    // A new server on the same files: the rerun completes the tree.
    let again = PyFtpd::start("127.0.0.1");
    make_tree(again.root.path(), 60, 1 << 20, 4);
    let connect = connector(again.port, USER, PASSWORD);
    let mut session = None;
    let s = mirror(
        &mut session,
        &connect,
        "/",
        &local,
        &MirrorOptions::default(),
        quiet(),
    )
    .await
    .unwrap();
    clean(&s);
    assert_eq!(read_tree(&local), source);
}

#[twin_test(run)]
async fn hostile_names_never_leave_the_target() {
    for mlsd in [true, false] {
        let port = ftp_tests::hostile_ftpd(mlsd);
        let connect = connector(port, "x", "y");
        let outside = tempfile::tempdir().unwrap();
        let target = outside.path().join("target");
        // A link planted in the target that leads out.
        let elsewhere = tempfile::tempdir().unwrap();
        std::fs::create_dir(&target).unwrap();
        std::os::unix::fs::symlink(elsewhere.path(), target.join("sub")).unwrap();
        let mut session = None;
        let opts = MirrorOptions::default().delete(true).retries(0);
        let s = mirror(&mut session, &connect, "/", &target, &opts, quiet())
            .await
            .unwrap();
        let refused: Vec<&str> = s.refused.iter().map(|p| p.path.as_str()).collect();
        for evil in [
            "../evil",
            "a/../../b",
            "/tmp/ftp-rs-absolute",
            "..\\..\\win",
            "../up",
        ] {
            assert!(
                refused.contains(&evil),
                "{evil} refused (mlsd {mlsd}): {refused:?}"
            );
        }
        assert!(refused.iter().any(|p| p.starts_with("nul")), "{refused:?}");
        // Only the one good file, inside the target; nothing outside.
        assert_eq!(std::fs::read(target.join("ok.txt")).unwrap(), b"pwned\n");
        let mut around: Vec<String> = std::fs::read_dir(outside.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        around.sort();
        assert_eq!(around, ["target"]);
        assert_eq!(
            std::fs::read_dir(elsewhere.path()).unwrap().count(),
            0,
            "the link was not followed"
        );
        assert!(
            std::fs::symlink_metadata(target.join("sub"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(!Path::new("/tmp/ftp-rs-absolute").exists());
    }
}

/// vsftpd allowing two connections per client (`max_per_ip=2`), a mirror
/// asking for four: the extra workers are refused with 421, give their
/// jobs back and retire; every file still arrives, both ways.
#[twin_test(run)]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs vsftpd and root (the README's test command runs it)"
)]
async fn a_server_capping_connections_per_client_gets_every_file() {
    let server = Vsftpd::start_config(ftp_tests::Tls::Off, "127.0.0.1", false, "max_per_ip=2\n");
    make_tree(&server.root.path().join("src"), 200, 20_000, 31);
    let source = read_tree(&server.root.path().join("src"));
    let connect = connector(server.port, VSFTPD_USER, PASSWORD);
    // The start-up probe's session may still be counted for a moment.
    let mut session = None;
    for _ in 0..50 {
        match connect.connect().await {
            Ok(f) => {
                session = Some(f);
                break;
            }
            Err(_) => std::thread::sleep(Duration::from_millis(100)),
        }
    }
    assert!(session.is_some(), "vsftpd never let the first session in");
    let work = tempfile::tempdir().unwrap();
    let local = work.path().join("copy");
    let opts = MirrorOptions::default().parallel(4);
    let s = mirror(&mut session, &connect, "/src", &local, &opts, quiet())
        .await
        .unwrap();
    clean(&s);
    assert_eq!(s.files, file_count(&source));
    assert!(read_tree(&local) == source, "every file, bytes equal");
    eprintln!("down: {} files on {} connections", s.files, s.connections);
    assert!(
        (1..=2).contains(&s.connections),
        "{} connections",
        s.connections
    );
    // Up again into a new directory, with the same cap.
    let s = mirror_up(&mut session, &connect, &local, "/back", &opts, quiet())
        .await
        .unwrap();
    clean(&s);
    assert_eq!(s.files, file_count(&source));
    assert!(
        (1..=2).contains(&s.connections),
        "{} connections",
        s.connections
    );
    assert!(read_tree(&server.root.path().join("back")) == source);
}

fn unix_listing(names: &[String], size: usize) -> Vec<u8> {
    names
        .iter()
        .flat_map(|n| {
            format!("-rw-r--r--    1 1000     1000     {size:>8} Jan 02  2025 {n}\r\n").into_bytes()
        })
        .collect()
}

/// The same with a server that counts exactly: two sessions at most.
#[twin_test(run)]
async fn a_session_limit_of_two_means_two_connections_and_every_file() {
    use ftp_tests::{Faults, FaultyFtpd};
    let file = ftp_tests::random_bytes(30_000, 32);
    let names: Vec<String> = (0..40).map(|i| format!("f{i:02}.bin")).collect();
    let server = FaultyFtpd::start(Faults {
        listing: unix_listing(&names, file.len()),
        file: file.clone(),
        max_sessions: Some(2),
        ..Faults::default()
    });
    let connect = connector(server.port, "u", "p");
    let mut session = Some(connect.connect().await.unwrap());
    let work = tempfile::tempdir().unwrap();
    let opts = MirrorOptions::default()
        .parallel(4)
        .retry_pause(Duration::from_millis(50));
    let s = mirror(&mut session, &connect, "/", work.path(), &opts, quiet())
        .await
        .unwrap();
    clean(&s);
    assert_eq!(s.files, 40);
    assert_eq!(s.connections, 2);
    assert!(server.refused_sessions() >= 1, "the cap was hit");
    assert!(server.most_sessions() <= 2);
    for n in &names {
        assert!(std::fs::read(work.path().join(n)).unwrap() == file, "{n}");
    }
}

/// A server whose disk fills after five uploads: mirror_up stops at once
/// and says so once, instead of trying (and retrying) every file.
#[twin_test(run)]
async fn mirror_up_stops_when_the_server_is_full() {
    use ftp_tests::{Faults, FaultyFtpd};
    for parallel in [1, 4] {
        let server = FaultyFtpd::start(Faults {
            full_after: Some(5),
            ..Faults::default()
        });
        let connect = connector(server.port, "u", "p");
        let work = tempfile::tempdir().unwrap();
        for i in 0..30 {
            std::fs::write(
                work.path().join(format!("log{i:02}")),
                format!("line {i}\n"),
            )
            .unwrap();
        }
        let mut session = Some(connect.connect().await.unwrap());
        let opts = MirrorOptions::default().parallel(parallel);
        let s = mirror_up(&mut session, &connect, work.path(), "/", &opts, quiet())
            .await
            .unwrap();
        assert_eq!(s.files, 5, "parallel {parallel}");
        assert_eq!(s.failed.len(), 25, "{:?}", s.failed);
        let stopped = s.stopped.expect("the summary says why it stopped");
        assert!(stopped.contains("452"), "{stopped}");
        // The one that hit the full disk, and those in flight on other
        // workers: nothing more was tried, nothing retried.
        assert!(
            server.stor_attempts() <= 5 + parallel,
            "{} STOR attempts",
            server.stor_attempts()
        );
        assert_eq!(server.stored().len(), 5);
    }
}

/// A VMS server's listing (names with `;version`, a long name on a line of
/// its own, headings): the files arrive under their names without the
/// version; a line in no known format is reported, not guessed.
#[twin_test(run)]
async fn a_vms_listing_mirrors_and_an_unknown_line_is_reported() {
    use ftp_tests::{Faults, FaultyFtpd};
    let file = ftp_tests::random_bytes(5000, 61);
    let listing = b"Directory DKA0:[PUB]\r\n\r\n\
        README.TXT;3          10  1-JAN-2020 10:00 [SYSTEM] (RWED,RWED,RE,RE)\r\n\
        A_NAME_TOO_LONG_FOR_ITS_COLUMN.DAT;1\r\n\
        \x20                   10/12  2-JAN-2020 11:00:05.12 [SYSTEM] (RWED,RWED,RE,RE)\r\n\
        what is this line\r\n\r\n\
        Total of 2 files, 20/22 blocks.\r\n";
    let server = FaultyFtpd::start(Faults {
        listing: listing.to_vec(),
        file: file.clone(),
        ..Faults::default()
    });
    let connect = connector(server.port, "u", "p");
    let work = tempfile::tempdir().unwrap();
    let mut session = None;
    let s = mirror(
        &mut session,
        &connect,
        "/",
        work.path(),
        &MirrorOptions::default(),
        quiet(),
    )
    .await
    .unwrap();
    assert!(s.failed.is_empty(), "{:?}", s.failed);
    assert_eq!(s.files, 2);
    for name in ["README.TXT", "A_NAME_TOO_LONG_FOR_ITS_COLUMN.DAT"] {
        assert!(
            std::fs::read(work.path().join(name)).unwrap() == file,
            "{name}"
        );
    }
    assert_eq!(s.refused.len(), 1, "{:?}", s.refused);
    assert!(
        s.refused[0].message.contains("no known format")
            && s.refused[0].message.contains("what is this line"),
        "{:?}",
        s.refused
    );
    let sent = String::from_utf8_lossy(&server.received()).into_owned();
    assert!(sent.contains("RETR /README.TXT\r\n"), "{sent}");
}

/// Uploaded files keep their local modification times (vsftpd: the
/// two-argument MDTM, `mdtm_write`; pyftpdlib and Pure-FTPd: MFMT), so a second
/// `mirror_up` with only_newer sends nothing; a server with none of the
/// commands still gets every file.
#[twin_test(run)]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs vsftpd, pyftpdlib, pure-ftpd and root (the README's test command runs it)"
)]
async fn uploads_keep_their_times() {
    let vs = Vsftpd::start();
    let py = PyFtpd::start("127.0.0.1");
    let pure = ftp_tests::PureFtpd::start();
    // Pure-FTPd has no chroot here: its root is reached by its absolute
    // path.
    let servers = [
        (
            vs.root.path().to_path_buf(),
            vs.port,
            VSFTPD_USER,
            "/kept".to_string(),
        ),
        (
            py.root.path().to_path_buf(),
            py.port,
            USER,
            "/kept".to_string(),
        ),
        (
            pure.root.path().to_path_buf(),
            pure.port,
            VSFTPD_USER,
            format!("{}/kept", pure.root.path().display()),
        ),
    ];
    let work = tempfile::tempdir().unwrap();
    let local = work.path().join("src");
    make_tree(&local, 30, 3000, 51);
    // Times of three days ago, each a second apart.
    let base = std::time::SystemTime::now() - Duration::from_secs(3 * 86_400);
    let mut files = Vec::new();
    for (i, (rel, data)) in read_tree(&local).into_iter().enumerate() {
        if data.is_some() {
            let when = base + Duration::from_secs(i as u64);
            set_mtime(&local.join(&rel), when);
            files.push((rel, when));
        }
    }
    for (root, port, user, remote) in servers {
        let connect = connector(port, user, PASSWORD);
        let mut session = None;
        let opts = MirrorOptions::default().parallel(2);
        let s = mirror_up(&mut session, &connect, &local, &remote, &opts, quiet())
            .await
            .unwrap();
        clean(&s);
        assert_eq!(s.files, files.len() as u64);
        for (rel, when) in &files {
            let got = std::fs::metadata(root.join("kept").join(rel))
                .unwrap()
                .modified()
                .unwrap();
            let diff = got.duration_since(*when).unwrap_or_else(|e| e.duration());
            assert!(
                diff < Duration::from_secs(1),
                "{rel}: {diff:?} off (port {port})"
            );
        }
        let newer = MirrorOptions::default().only_newer(true);
        let s = mirror_up(&mut session, &connect, &local, &remote, &newer, quiet())
            .await
            .unwrap();
        clean(&s);
        assert_eq!(s.files, 0, "nothing newer to send (port {port})");
    }
}

/// A server that sets no times: the files still arrive, and the session
/// asks once (FEAT, MDTM, SITE UTIME), not for every file.
#[twin_test(run)]
async fn a_server_without_time_commands_still_gets_every_file() {
    use ftp_tests::{Faults, FaultyFtpd};
    let server = FaultyFtpd::start(Faults::default());
    let work = tempfile::tempdir().unwrap();
    for i in 0..6 {
        std::fs::write(work.path().join(format!("f{i}")), format!("{i}\n")).unwrap();
    }
    let connect = connector(server.port, "u", "p");
    let mut session = None;
    let s = mirror_up(
        &mut session,
        &connect,
        work.path(),
        "/",
        &MirrorOptions::default(),
        quiet(),
    )
    .await
    .unwrap();
    clean(&s);
    assert_eq!(s.files, 6);
    assert_eq!(server.stored().len(), 6);
    let sent = String::from_utf8_lossy(&server.received()).into_owned();
    assert_eq!(sent.matches("MDTM 20").count(), 1, "{sent}");
    assert_eq!(sent.matches("SITE UTIME").count(), 1, "{sent}");
    // One FEAT after login for all the session wants to know (MLSD, MFMT,
    // checksums); the one before is HOST's (RFC 7151).
    let (before, after) = sent.split_once("PASS").unwrap();
    assert_eq!(before.matches("FEAT").count(), 1, "{sent}");
    assert_eq!(after.matches("FEAT").count(), 1, "{sent}");
}

/// only_newer against a LIST server whose listing shows local time (two
/// hours east of UTC): one MDTM tells the zone, not one a file; the files
/// whose copies are not older are skipped, the one whose copy is older
/// comes again.
#[twin_test(run)]
async fn list_times_in_the_server_zone_cost_one_mdtm() {
    use ftp_std::Timestamp;
    use ftp_tests::{Faults, FaultyFtpd};
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    // Ten days ago at hh:mm:37 UTC; the listing shows that two hours on.
    let exact = (now - 10 * 86_400) / 60 * 60 + 37;
    let shown = Timestamp::from_unix_seconds(exact + 7200).unwrap();
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let file = ftp_tests::random_bytes(1000, 62);
    let names: Vec<String> = (0..10).map(|i| format!("f{i}.bin")).collect();
    let listing: Vec<u8> = names
        .iter()
        .flat_map(|n| {
            format!(
                "-rw-r--r--    1 1000     1000         1000 {} {:>2} {:02}:{:02} {n}\r\n",
                MONTHS[usize::from(shown.month) - 1],
                shown.day,
                shown.hour,
                shown.minute
            )
            .into_bytes()
        })
        .collect();
    let mdtm = format!("213 {}\r\n", Timestamp::from_unix_seconds(exact).unwrap());
    let server = FaultyFtpd::start(Faults {
        listing,
        file: file.clone(),
        replies: vec![("MDTM".into(), mdtm.into_bytes())],
        ..Faults::default()
    });
    let work = tempfile::tempdir().unwrap();
    let at = |secs: i64| std::time::UNIX_EPOCH + Duration::from_secs(secs as u64);
    for (i, n) in names.iter().enumerate() {
        let p = work.path().join(n);
        std::fs::write(&p, &file).unwrap();
        // Copies made right after the server's file; f0's an hour before.
        set_mtime(&p, at(if i == 0 { exact - 3600 } else { exact + 5 }));
    }
    let connect = connector(server.port, "u", "p");
    let mut session = None;
    let opts = MirrorOptions::default().only_newer(true);
    let s = mirror(&mut session, &connect, "/", work.path(), &opts, quiet())
        .await
        .unwrap();
    clean(&s);
    assert_eq!((s.files, s.skipped), (1, 9));
    let sent = String::from_utf8_lossy(&server.received()).into_owned();
    assert_eq!(sent.matches("MDTM ").count(), 1, "{sent}");
    assert_eq!(sent.matches("RETR ").count(), 1, "{sent}");
    assert!(sent.contains("RETR /f0.bin"), "{sent}");
}

/// Mirrors verify by default where the server offers checksums (ProFTPD's
/// mod_digest): every file both ways, counted in `verified`.
#[twin_test(run)]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs proftpd and root (the README's test command runs it)"
)]
async fn mirrors_verify_by_default() {
    let server = ftp_tests::ProFtpd::start();
    let work = tempfile::tempdir().unwrap();
    let local = work.path().join("src");
    make_tree(&local, 25, 40_000, 83);
    let connect = connector(server.port, VSFTPD_USER, PASSWORD);
    let mut session = None;
    let remote = server.remote("tree");
    let opts = MirrorOptions::default().parallel(3);
    let up = mirror_up(&mut session, &connect, &local, &remote, &opts, quiet())
        .await
        .unwrap();
    clean(&up);
    assert_eq!((up.files, up.verified), (25, 25));
    let copy = work.path().join("copy");
    let down = mirror(&mut session, &connect, &remote, &copy, &opts, quiet())
        .await
        .unwrap();
    clean(&down);
    assert_eq!((down.files, down.verified), (25, 25));
    assert_eq!(read_tree(&copy), read_tree(&local));
}

/// A pool of three: a mirror asking for four runs on three; the sessions
/// stay logged in, and the next jobs (a mirror back up, a segmented
/// download) open none; the trees and bytes are the server's.
#[twin_test(run)]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib (the README's test command runs it)"
)]
async fn a_pool_keeps_its_sessions_for_the_next_job() {
    let server = PyFtpd::start("127.0.0.1");
    make_tree(&server.root.path().join("src"), 60, 50_000, 5);
    let big = ftp_tests::random_bytes(3 << 20, 9);
    std::fs::write(server.root.path().join("big.bin"), &big).unwrap();
    let inner = connector(server.port, USER, PASSWORD);
    let opened = std::sync::atomic::AtomicUsize::new(0);
    let counting = || {
        opened.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        inner.connect()
    };
    let mut pool = Pool::new(counting, 3);
    assert_eq!((pool.size(), pool.held()), (3, 0));
    let work = tempfile::tempdir().unwrap();
    let down = work.path().join("down");
    let opts = MirrorOptions::default().parallel(4);
    let s = pool.mirror("/src", &down, &opts, quiet()).await.unwrap();
    clean(&s);
    assert_eq!(s.files, 60);
    assert_eq!(s.connections, 3, "capped by the pool's size");
    assert_eq!(read_tree(&down), read_tree(&server.root.path().join("src")));
    assert_eq!(pool.held(), 3, "every session kept");
    let after_first = opened.load(std::sync::atomic::Ordering::SeqCst);
    assert_eq!(after_first, 3);
    let s = pool
        .mirror_up(&down, "/copy", &opts, quiet())
        .await
        .unwrap();
    clean(&s);
    assert_eq!(s.files, 60);
    assert_eq!(
        read_tree(&server.root.path().join("copy")),
        read_tree(&down)
    );
    let how = ftp_std::Segmented::default().segments(3).min_size(0);
    let got = work.path().join("big.bin");
    let t = pool
        .download_segmented("/big.bin", &got, &how, &|_| {})
        .await
        .unwrap();
    assert_eq!(t.bytes, big.len() as u64);
    assert_eq!(std::fs::read(&got).unwrap(), big);
    assert_eq!(
        opened.load(std::sync::atomic::Ordering::SeqCst),
        after_first,
        "the later jobs ran on the kept sessions"
    );
    assert_eq!(pool.held(), 3);
    let first = pool.take().expect("a session");
    assert_eq!(pool.held(), 2);
    drop(first);
}

/// `Pool::open`: the URL's credentials (percent-encoded), the options'
/// timeouts; the same tree as the server's.
#[twin_test(run)]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib (the README's test command runs it)"
)]
async fn a_pool_opened_from_a_url_mirrors() {
    let server = PyFtpd::start("127.0.0.1");
    make_tree(&server.root.path().join("src"), 30, 20_000, 6);
    let password = PASSWORD.replace(' ', "%20");
    let url = ftp_std::Url::parse(&format!(
        "ftp://{USER}:{password}@127.0.0.1:{}/",
        server.port
    ))
    .unwrap();
    let options = ftp_std::Options::default().timeout(Duration::from_secs(20));
    let mut pool = Pool::open(&url, &options, 2);
    let work = tempfile::tempdir().unwrap();
    let opts = MirrorOptions::default().parallel(2);
    let s = pool
        .mirror("/src", work.path(), &opts, quiet())
        .await
        .unwrap();
    clean(&s);
    assert_eq!(s.files, 30);
    assert_eq!(
        read_tree(work.path()),
        read_tree(&server.root.path().join("src"))
    );
    assert_eq!(pool.held(), 2);
    // A wrong password: the server's 530, nothing written, no session kept.
    let wrong =
        ftp_std::Url::parse(&format!("ftp://{USER}:nope@127.0.0.1:{}/", server.port)).unwrap();
    let mut refused = Pool::open(&wrong, &options, 2);
    let elsewhere = work.path().join("refused");
    let e = refused
        .mirror("/src", &elsewhere, &opts, quiet())
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some(530), "{e:?}");
    assert!(!elsewhere.exists());
    assert_eq!(refused.held(), 0);
}

/// A server whose listings get no data connection (pyftpdlib answering
/// LIST, NLST and MLSD with 425, as behind a firewall that breaks them):
/// the mirror lists over the control connection (STAT) and copies the
/// whole tree both ways, with one connection and with three.
#[twin_test(run)]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs pyftpdlib (the README's test command runs it)"
)]
async fn a_mirror_lists_over_stat_when_listings_get_no_data_connection() {
    let server = PyFtpd::start_no_listing_data("127.0.0.1");
    let root = server.root.path();
    make_tree(&root.join("down"), 24, 3, 51);
    let connect = connector(server.port, USER, PASSWORD);
    // LIST and MLSD themselves fail: the server is as the test means it.
    let mut ftp = connect.connect().await.unwrap();
    let e = ftp.dir(Some("/down")).await.unwrap_err();
    assert!(e.code() == Some(425) && e.no_data_connection(), "{e}");
    let e = ftp.mlsd(Some("/down"), &[]).await.unwrap_err();
    assert_eq!(e.code(), Some(425), "{e}");
    let mut session = Some(ftp);
    let work = tempfile::tempdir().unwrap();
    for parallel in [1, 3] {
        let local = work.path().join(format!("copy{parallel}"));
        let s = mirror(
            &mut session,
            &connect,
            "/down",
            &local,
            &MirrorOptions::default().parallel(parallel),
            quiet(),
        )
        .await
        .unwrap();
        clean(&s);
        assert_eq!(s.files, 24);
        assert_eq!(read_tree(&local), read_tree(&root.join("down")));
        let up = mirror_up(
            &mut session,
            &connect,
            &local,
            &format!("/up{parallel}"),
            &MirrorOptions::default().parallel(parallel),
            quiet(),
        )
        .await
        .unwrap();
        clean(&up);
        assert_eq!(
            read_tree(&root.join(format!("up{parallel}"))),
            read_tree(&local)
        );
        // Again, only newer files: every file is there, and the STAT
        // listing's times (learnt in UTC with MDTM) say so.
        let again = mirror_up(
            &mut session,
            &connect,
            &local,
            &format!("/up{parallel}"),
            &MirrorOptions::default().parallel(parallel).only_newer(true),
            quiet(),
        )
        .await
        .unwrap();
        clean(&again);
        assert_eq!((again.files, again.skipped), (0, 24), "{again:?}");
    }
}

/// Hidden files from a server that lists without them: vsftpd's LIST
/// leaves out dot files, `hidden` asks `LIST -a` (and `.`, `..` are not
/// entries); both ways, and with one connection and with three.
#[twin_test(run)]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs vsftpd and root (the README's test command runs it)"
)]
async fn hidden_files_come_with_list_a() {
    let server = Vsftpd::start();
    let root = server.root.path();
    std::fs::create_dir_all(root.join("site/.well-known")).unwrap();
    std::fs::create_dir_all(root.join("site/sub")).unwrap();
    server.put("site/index.html", b"<p>");
    server.put("site/.htaccess", b"deny");
    server.put("site/.well-known/security.txt", b"contact");
    server.put("site/sub/.keep", b"");
    let connect = connector(server.port, VSFTPD_USER, PASSWORD);
    let work = tempfile::tempdir().unwrap();
    let mut session = None;
    let plain = work.path().join("plain");
    let s = mirror(
        &mut session,
        &connect,
        "/site",
        &plain,
        &MirrorOptions::default(),
        quiet(),
    )
    .await
    .unwrap();
    clean(&s);
    assert_eq!(s.files, 1);
    assert!(!plain.join(".htaccess").exists());
    for parallel in [1, 3] {
        let all = work.path().join(format!("all{parallel}"));
        let options = MirrorOptions::default().hidden(true).parallel(parallel);
        let s = mirror(&mut session, &connect, "/site", &all, &options, quiet())
            .await
            .unwrap();
        clean(&s);
        assert_eq!(s.files, 4, "{s:?}");
        assert_eq!(read_tree(&all), read_tree(&root.join("site")));
        let up = format!("/up{parallel}");
        let s = mirror_up(&mut session, &connect, &all, &up, &options, quiet())
            .await
            .unwrap();
        clean(&s);
        // Again, only newer: the hidden files are seen there, none sent.
        let again = options.clone().only_newer(true);
        let s = mirror_up(&mut session, &connect, &all, &up, &again, quiet())
            .await
            .unwrap();
        clean(&s);
        assert_eq!((s.files, s.skipped), (0, 4), "{s:?}");
    }
}

/// A mirror's rate limit is the total of its connections: 8 MiB over 4
/// connections at 2 MiB/s take 4 s (3.8 to 7 s here), not a quarter of
/// it; the tree arrives whole.
#[twin_test(run)]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs vsftpd and root (the README's test command runs it)"
)]
async fn a_mirrors_rate_limit_is_its_total() {
    let server = Vsftpd::start();
    for i in 0..8 {
        server.put(&format!("f{i}.bin"), &ftp_tests::random_bytes(1 << 20, i));
    }
    let connect = connector(server.port, VSFTPD_USER, PASSWORD);
    let work = tempfile::tempdir().unwrap();
    let options = MirrorOptions::default()
        .parallel(4)
        .rate_limit(Some(ftp_std::RateLimit::parse("2M").unwrap()));
    let start = std::time::Instant::now();
    let mut session = None;
    let s = mirror(&mut session, &connect, "/", work.path(), &options, quiet())
        .await
        .unwrap();
    let took = start.elapsed().as_secs_f64();
    clean(&s);
    assert_eq!((s.files, s.connections), (8, 4));
    assert!(
        (3.8..7.0).contains(&took),
        "8 MiB at 2 MiB/s took {took:.2} s"
    );
    assert_eq!(read_tree(work.path()), read_tree(server.root.path()));
}
