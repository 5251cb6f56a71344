//! ftplib's debug levels through the `log` feature: level 1 logs each
//! command and reply, level 2 every line, and passwords never appear.
#![cfg(feature = "log")]

use std::sync::Mutex;

use ftp_core::Ftp;
use ftp_core::doc_support::{NoData, Scripted};

static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());

struct Capture;

impl log::Log for Capture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        LINES.lock().unwrap().push(record.args().to_string());
    }
    fn flush(&self) {}
}

fn take() -> Vec<String> {
    std::mem::take(&mut *LINES.lock().unwrap())
}

#[test]
fn debug_levels_and_masked_passwords() {
    log::set_logger(&Capture).unwrap();
    log::set_max_level(log::LevelFilter::Trace);
    let steps: &[(&[u8], &[u8])] = &[
        (b"", b"220 Hi\r\n"),
        (b"USER bob\r\n", b"331 Password\r\n"),
        (b"PASS hunter2\r\n", b"230-Welcome\r\n230 OK\r\n"),
        (b"NOOP\r\n", b"200 ok\r\n"),
        (b"ACCT topsecret\r\n", b"230 ok\r\n"),
    ];
    let mut ftp: Ftp<_, _> = Ftp::connect(
        Scripted::new(steps),
        NoData,
        "127.0.0.1:21".parse().unwrap(),
    )
    .unwrap();
    assert!(take().is_empty(), "level 0 logs nothing");
    ftp.set_debuglevel(1);
    ftp.login("bob", "hunter2", "").unwrap();
    let level1 = take();
    assert_eq!(
        level1,
        [
            "*cmd* USER bob",
            "*resp* 331 Password",
            "*cmd* PASS ****",
            "*resp* 230-Welcome\n230 OK"
        ]
    );
    ftp.set_debuglevel(2);
    ftp.noop().unwrap();
    ftp.acct("topsecret").unwrap();
    let level2 = take();
    assert_eq!(
        level2[..4],
        ["*cmd* NOOP", "*put* NOOP", "*get* 200 ok", "*resp* 200 ok"]
    );
    assert!(level2.iter().any(|l| l == "*put* ACCT ****"));
    let all = [level1, level2].concat().join("\n");
    assert!(!all.contains("hunter2") && !all.contains("topsecret"));
}
