//! suppaftp (sync) doing what bench/compare.sh asks:
//!   retr HOST PORT REMOTE LOCAL | stor HOST PORT LOCAL REMOTE |
//!   many HOST PORT LISTFILE DESTDIR | mirror HOST PORT LISTFILE DESTDIR N
//! (LISTFILE: one remote path per line; files land under DESTDIR with the
//! same relative path).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use suppaftp::FtpStream;
use suppaftp::types::FileType;

fn session(host: &str, port: &str) -> FtpStream {
    let mut ftp = FtpStream::connect(format!("{host}:{port}")).expect("connect");
    ftp.login("anonymous", "bench@").expect("login");
    ftp.transfer_type(FileType::Binary).expect("type");
    ftp
}

fn get(ftp: &mut FtpStream, remote: &str, local: &Path) {
    if let Some(parent) = local.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    let mut out = BufWriter::with_capacity(64 * 1024, File::create(local).expect("create"));
    ftp.retr(remote, |r| {
        std::io::copy(r, &mut out).map_err(suppaftp::FtpError::ConnectionError)?;
        Ok(())
    })
    .expect("retr");
    out.flush().expect("flush");
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let (host, port) = (&a[2], &a[3]);
    match a[1].as_str() {
        "retr" => get(&mut session(host, port), &a[4], Path::new(&a[5])),
        "stor" => {
            let mut ftp = session(host, port);
            let mut f = File::open(&a[4]).expect("open");
            ftp.put_file(&a[5], &mut f).expect("stor");
        }
        "many" | "mirror" => {
            let list: Vec<String> = std::fs::read_to_string(&a[4])
                .expect("list")
                .lines()
                .map(String::from)
                .collect();
            let dest = Path::new(&a[5]);
            let n: usize = a.get(6).map_or(1, |n| n.parse().expect("N"));
            std::thread::scope(|s| {
                for chunk in list.chunks(list.len().div_ceil(n)) {
                    s.spawn(move || {
                        let mut ftp = session(host, port);
                        for remote in chunk {
                            get(&mut ftp, remote, &dest.join(remote));
                        }
                        let _ = ftp.quit();
                    });
                }
            });
        }
        other => panic!("unknown mode {other}"),
    }
}
