//! Helpers for the interop tests: real servers started on loopback with
//! free ports and temporary directories, stopped when dropped.

pub mod faulty;
pub mod twin;
pub use faulty::{DataFault, Faults, FaultyFtpd};

use std::io::{BufRead, BufReader, Write as _};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

mod certs;
mod cutter;
mod ftp_srv;
mod inetutils;
mod proftpd;
mod proxies;
mod pure_ftpd;
mod pyftpd;
mod scripted;
mod vsftpd;

pub use certs::*;
pub use cutter::*;
pub use ftp_srv::*;
pub use inetutils::*;
pub use proftpd::*;
pub use proxies::*;
pub use pure_ftpd::*;
pub use pyftpd::*;
pub use scripted::*;
pub use vsftpd::*;

/// The test user's name and password on servers that have one.
pub const USER: &str = "tester";
/// The test user's password.
pub const PASSWORD: &str = "s3cret pass";

fn project_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Writes a test tree under `root`: `files` files in nested directories
/// (up to three levels), some empty, names with spaces and non-ASCII
/// letters, plus empty directories. Sizes follow `seed`; files whose
/// index is a multiple of 10 are `big` bytes long.
pub fn make_tree(root: &Path, files: usize, big: usize, seed: u64) {
    let dirs = [
        "",
        "docs",
        "docs/guide à la carte",
        "src",
        "src/日本",
        "src/日本/deep dir",
        "with space",
    ];
    for d in dirs {
        std::fs::create_dir_all(root.join(d)).expect("mkdir");
    }
    for empty in ["empty dir", "docs/empty too", "src/日本/deep dir/nothing"] {
        std::fs::create_dir_all(root.join(empty)).expect("mkdir");
    }
    for i in 0..files {
        let dir = dirs[i % dirs.len()];
        let name = match i % 4 {
            0 => format!("file {i}.txt"),
            1 => format!("fichier-é-{i}.bin"),
            2 => format!("データ{i}.dat"),
            _ => format!("f{i}"),
        };
        let len = if i % 10 == 0 {
            big
        } else if i % 7 == 0 {
            0
        } else {
            (i * 131 + seed as usize) % 9000
        };
        std::fs::write(
            root.join(dir).join(name),
            random_bytes(len, seed + i as u64),
        )
        .expect("write");
    }
}

/// Every file and directory under `root`, relative, with the file bytes
/// (`None` for directories), sorted; `.part` files included, so a stray
/// one shows.
pub fn read_tree(root: &Path) -> Vec<(String, Option<Vec<u8>>)> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        for entry in std::fs::read_dir(root.join(&rel)).expect("read_dir") {
            let entry = entry.expect("entry");
            let path = rel.join(entry.file_name());
            let shown = path.to_string_lossy().into_owned();
            if entry.file_type().expect("type").is_dir() {
                out.push((shown, None));
                stack.push(path);
            } else {
                out.push((shown, Some(std::fs::read(entry.path()).expect("read"))));
            }
        }
    }
    out.sort();
    out
}

/// `host:port`, with brackets around an IPv6 host.
fn host_port(host: &str, port: u16) -> String {
    if host.contains(':') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}

/// Deterministic pseudo-random bytes (xorshift), so a failure reproduces.
pub fn random_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// True when this machine can listen on ::1.
pub fn have_ipv6() -> bool {
    std::net::TcpListener::bind("[::1]:0").is_ok()
}

/// A free TCP port on loopback (the OS picks it; it is released at once,
/// so another process could take it: tests retry the server start).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// Starts a server on a free port of 127.0.0.1: `command(port)` writes
/// what configuration it needs and makes its command line. Tried up to
/// five times (another process may take the port before the server binds
/// it); returns the port and the child once it accepts connections.
fn spawn_listening(what: &str, mut command: impl FnMut(u16) -> Command) -> (u16, Child) {
    for _attempt in 0..5 {
        let port = free_port();
        let mut child = command(port)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("{what} runs (scripts/install-test-deps.sh installs it): {e}")
            });
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return (port, child);
            }
            if let Ok(Some(_)) = child.try_wait() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    panic!("{what} did not start");
}

/// A clear-text core session to `addr` (`host:port`, `[v6]:port`) through
/// ftp-std, for the tests of the core against real servers.
pub fn connect_core(addr: &str) -> ftp_std::Session {
    let (host, port) = addr.rsplit_once(':').expect("host:port");
    let options = ftp_std::Options::default().timeout(std::time::Duration::from_secs(20));
    ftp_std::Ftp::connect(host, port.parse().expect("port"), &options)
        .expect("connect")
        .into_session()
}

/// Downloads `name` in binary mode (from `rest` when given) into memory.
pub fn retr(
    ftp: &mut ftp_std::Session,
    name: &str,
    rest: Option<u64>,
) -> Result<Vec<u8>, ftp_core::Error<std::io::Error>> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    ftp.retrbinary(&format!("RETR {name}"), &mut buf, rest, |b| {
        out.extend_from_slice(b);
        Ok(())
    })?;
    Ok(out)
}

/// Uploads `data` to `name` in binary mode (from `rest` when given).
pub fn stor(
    ftp: &mut ftp_std::Session,
    name: &str,
    data: &[u8],
    rest: Option<u64>,
) -> Result<(), ftp_core::Error<std::io::Error>> {
    let mut buf = vec![0u8; 64 * 1024];
    ftp.storbinary(
        &format!("STOR {name}"),
        &mut buf,
        rest,
        ftp_core::doc_support::source(data),
        |_| {},
    )?;
    Ok(())
}
