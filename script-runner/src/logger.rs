//! ftplib's debug output (`-v`, `-vv`, `set_debuglevel`) on stderr: the
//! records the FTP crates log, passwords already masked by the core.

use std::io::Write as _;
use std::sync::atomic::{AtomicU8, Ordering};

static LEVEL: AtomicU8 = AtomicU8::new(0);

struct Stderr;

impl log::Log for Stderr {
    fn enabled(&self, meta: &log::Metadata<'_>) -> bool {
        let ours = meta.target().starts_with("ftp_");
        ours && (meta.level() <= log::Level::Warn || LEVEL.load(Ordering::Relaxed) > 0)
    }

    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            // A closed stderr (`-v 2>&1 | head`) drops the line; eprintln!
            // would panic in whichever thread logged.
            let _ = writeln!(std::io::stderr(), "{}", record.args());
        }
    }

    fn flush(&self) {}
}

static LOGGER: Stderr = Stderr;

/// Installs the logger (once) and sets the debug level (0, 1 or 2).
pub fn set_level(level: u8) {
    let _ = log::set_logger(&LOGGER);
    LEVEL.store(level, Ordering::Relaxed);
    log::set_max_level(if level > 0 {
        log::LevelFilter::Debug
    } else {
        log::LevelFilter::Warn
    });
}
