//! The Rhai engine of the runner: `Engine::new_raw()` with the standard
//! package (no `import`, so scripts cannot read other files through the
//! module system), limits against runaway scripts, and the FTP functions.

use std::cell::RefCell;
use std::io::Write as _;
use std::rc::Rc;

use rhai::packages::{Package, StandardPackage};
use rhai::{Array, Dynamic, Engine, INT, Map};

use crate::errors::{Rr, usage};
use crate::runner::{Runner, now_utc, sleep};
use crate::side::bisync;

/// Limits of a script run.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Rhai operations before the script is stopped with an error.
    pub max_operations: u64,
}

/// The `resume` flag of an options map (`#{resume: true}`); other keys are
/// refused so a typo is not silently ignored.
/// The options of a single transfer: `resume` and `verify` (both ways),
/// `keep_time` (uploads); any other key is refused.
#[derive(Clone, Copy, Debug, Default)]
pub struct Put {
    /// Continue from what the other side has (REST).
    pub resume: bool,
    /// Give the remote file the local file's modification time.
    pub keep_time: bool,
    /// Compare checksums afterwards: `"auto"`, `"always"`, `"never"`
    /// (the default of single transfers).
    pub verify: ftp_std::Verification,
    /// Downloads: connections each fetching a range (lftp's `pget -n`);
    /// 0 or 1 is one stream.
    pub segments: usize,
}

fn transfer_options(opts: &Map, upload: bool) -> Rr<Put> {
    let mut put = Put::default();
    let known = if upload {
        "resume, keep_time, verify"
    } else {
        "resume, verify, segments"
    };
    for (k, v) in opts {
        let flag = || {
            v.as_bool()
                .map_err(|t| usage(format!("{k} must be true or false, not a {t}")))
        };
        match k.as_str() {
            "resume" => put.resume = flag()?,
            "keep_time" if upload => put.keep_time = flag()?,
            "verify" => put.verify = verification(v)?,
            "segments" if !upload => put.segments = segments(v)?,
            other => return Err(usage(format!("unknown option {other:?} (known: {known})"))),
        }
    }
    Ok(put)
}

/// `segments: N`, 1 to 16.
pub(crate) fn segments(v: &Dynamic) -> Rr<usize> {
    v.as_int()
        .ok()
        .and_then(|n| usize::try_from(n).ok())
        .filter(|n| (1..=16).contains(n))
        .ok_or_else(|| usage("segments must be a number from 1 to 16"))
}

/// `verify: "auto" | "always" | "never"`.
pub(crate) fn verification(v: &Dynamic) -> Rr<ftp_std::Verification> {
    v.clone()
        .into_string()
        .ok()
        .and_then(|s| ftp_std::Verification::parse(&s))
        .ok_or_else(|| usage("verify must be \"auto\", \"always\" or \"never\""))
}

fn get_of(opts: &Map) -> Rr<Put> {
    transfer_options(opts, false)
}

fn put_of(opts: &Map) -> Rr<Put> {
    transfer_options(opts, true)
}

fn strings(v: Vec<String>) -> Array {
    v.into_iter().map(Dynamic::from).collect()
}

/// Registers `$name` as a function of the runner: the body sees the
/// runner mutably borrowed as `$r`.
#[cfg(not(target_os = "wasi"))]
macro_rules! reg {
    ($engine:ident, $runner:ident, $name:literal, |$r:ident $(, $arg:ident : $ty:ty)*| $body:expr) => {{
        let rc = $runner.clone();
        $engine.register_fn($name, move |$($arg: $ty),*| {
            let mut $r = rc.borrow_mut();
            $body
        });
    }};
}

/// Registers `$name` as a function of the runner: the body (written with
/// `.await`) sees the runner mutably borrowed as `$r`, and the script
/// waits for it ([`crate::side::wait`]).
#[cfg(target_os = "wasi")]
macro_rules! reg {
    ($engine:ident, $runner:ident, $name:literal, |$r:ident $(, $arg:ident : $ty:ty)*| $body:expr) => {{
        let rc = $runner.clone();
        $engine.register_fn($name, move |$($arg: $ty),*| {
            let mut $r = rc.borrow_mut();
            crate::side::wait(async move { $body })
        });
    }};
}

/// The engine with every runner function on `runner`.
#[bisync]
pub fn build(runner: Rc<RefCell<Runner>>, limits: Limits) -> Engine {
    let mut engine = Engine::new_raw();
    engine.register_global_module(StandardPackage::new().as_shared_module());
    // Output to a closed pipe (`ftp-script ... | head`) is dropped: it
    // must not stop the transfers (println! would panic).
    engine.on_print(|s| {
        let _ = writeln!(std::io::stdout(), "{s}");
    });
    engine.on_debug(|s, _, _| {
        let _ = writeln!(std::io::stderr(), "{s}");
    });
    engine.set_max_operations(limits.max_operations);
    engine.set_max_call_levels(64);
    engine.set_max_expr_depths(128, 64);
    engine.set_max_string_size(256 << 20);
    engine.set_max_array_size(10_000_000);
    engine.set_max_map_size(1_000_000);

    let r = &runner;
    // Sessions.
    reg!(engine, r, "connect", |s, host: &str| s
        .connect(host, 21, false)
        .await);
    reg!(engine, r, "connect", |s, host: &str, port: INT| s
        .connect(host, port, false)
        .await);
    reg!(engine, r, "connect_tls", |s, host: &str| s
        .connect(host, 21, true)
        .await);
    reg!(engine, r, "connect_tls", |s, host: &str, port: INT| s
        .connect(host, port, true)
        .await);
    reg!(engine, r, "welcome", |s| s.welcome());
    reg!(engine, r, "login", |s| s.login_default().await);
    reg!(engine, r, "login", |s, user: &str, pass: &str| s
        .login_as(user, pass, "")
        .await);
    reg!(
        engine,
        r,
        "login",
        |s, user: &str, pass: &str, acct: &str| s.login_as(user, pass, acct).await
    );
    reg!(engine, r, "quit", |s| s.quit().await);
    reg!(engine, r, "abort", |s| s
        .with(async |f| f.abort().await)
        .await);
    reg!(engine, r, "close", |s| {
        s.close();
        Ok::<(), Box<rhai::EvalAltResult>>(())
    });

    // Remote directories and files.
    reg!(engine, r, "cwd", |s, path: &str| s
        .with(async |f| f.cwd(path).await)
        .await);
    reg!(engine, r, "cdup", |s| s
        .with(async |f| f.cdup().await)
        .await);
    reg!(engine, r, "pwd", |s| s.with(async |f| f.pwd().await).await);
    reg!(engine, r, "mkd", |s, path: &str| s
        .with(async |f| f.mkd(path).await)
        .await);
    reg!(engine, r, "rmd", |s, path: &str| s
        .with(async |f| f.rmd(path).await)
        .await);
    reg!(engine, r, "delete", |s, path: &str| s
        .with(async |f| f.delete(path).await)
        .await);
    reg!(engine, r, "rename", |s, from: &str, to: &str| s
        .with(async |f| f.rename(from, to).await)
        .await);
    reg!(engine, r, "size", |s, path: &str| s.size(path).await);
    reg!(engine, r, "mdtm", |s, path: &str| s.mdtm(path).await);
    reg!(engine, r, "exists", |s, path: &str| s.exists(path).await);

    // Listings.
    reg!(engine, r, "nlst", |s| s
        .with(async |f| f.nlst(None).await)
        .await
        .map(strings));
    reg!(engine, r, "nlst", |s, path: &str| s
        .with(async |f| f.nlst(Some(path)).await)
        .await
        .map(strings));
    reg!(engine, r, "dir", |s| s
        .with(async |f| f.dir(None).await)
        .await
        .map(strings));
    reg!(engine, r, "dir", |s, path: &str| s
        .with(async |f| f.dir(Some(path)).await)
        .await
        .map(strings));
    reg!(engine, r, "mlsd", |s| s.mlsd(None).await);
    reg!(engine, r, "mlsd", |s, path: &str| s.mlsd(Some(path)).await);

    // Transfers.
    reg!(engine, r, "retr", |s, remote: &str| s
        .retr(remote, None, Put::default())
        .await);
    reg!(engine, r, "retr", |s, remote: &str, opts: Map| s
        .retr(remote, None, get_of(&opts)?)
        .await);
    reg!(engine, r, "retr", |s, remote: &str, local: &str| s
        .retr(remote, Some(local), Put::default())
        .await);
    reg!(engine, r, "retr", |s,
                             remote: &str,
                             local: &str,
                             opts: Map| s
        .retr(remote, Some(local), get_of(&opts)?)
        .await);
    reg!(engine, r, "retr_text", |s, remote: &str| s
        .retr_text(remote)
        .await);
    reg!(engine, r, "stor", |s, local: &str| s
        .stor(local, None, Put::default())
        .await);
    reg!(engine, r, "stor", |s, local: &str, opts: Map| s
        .stor(local, None, put_of(&opts)?)
        .await);
    reg!(engine, r, "stor", |s, local: &str, remote: &str| s
        .stor(local, Some(remote), Put::default())
        .await);
    reg!(engine, r, "stor", |s,
                             local: &str,
                             remote: &str,
                             opts: Map| s
        .stor(local, Some(remote), put_of(&opts)?)
        .await);
    reg!(engine, r, "stor_text", |s, remote: &str, text: &str| s
        .stor_text(remote, text)
        .await);
    reg!(engine, r, "appe", |s, local: &str, remote: &str| s
        .appe(local, remote)
        .await);

    // Mirroring.
    reg!(engine, r, "mirror", |s, remote: &str, local: &str| s
        .mirror(false, remote, local, &Map::new())
        .await);
    reg!(
        engine,
        r,
        "mirror",
        |s, remote: &str, local: &str, opts: Map| s.mirror(false, remote, local, &opts).await
    );
    reg!(engine, r, "mirror_up", |s, local: &str, remote: &str| s
        .mirror(true, local, remote, &Map::new())
        .await);
    reg!(
        engine,
        r,
        "mirror_up",
        |s, local: &str, remote: &str, opts: Map| s.mirror(true, local, remote, &opts).await
    );

    // Commands and settings.
    reg!(engine, r, "sendcmd", |s, cmd: &str| s
        .with(async |f| f.sendcmd(cmd).await)
        .await);
    reg!(engine, r, "voidcmd", |s, cmd: &str| s
        .with(async |f| f.voidcmd(cmd).await)
        .await);
    reg!(engine, r, "feat", |s| s
        .with(async |f| f.feat().await)
        .await
        .map(strings));
    reg!(engine, r, "binary", |s| s.set_ascii(false).await);
    reg!(engine, r, "ascii", |s| s.set_ascii(true).await);
    reg!(engine, r, "passive", |s, on: bool| s
        .with(async |f| {
            f.set_pasv(on);
            Ok(())
        })
        .await);
    reg!(engine, r, "prot_p", |s| s
        .with(async |f| f.prot_p().await)
        .await);
    reg!(engine, r, "prot_c", |s| s
        .with(async |f| f.prot_c().await)
        .await);
    reg!(engine, r, "set_debuglevel", |s, level: INT| s
        .set_debuglevel(level));
    reg!(engine, r, "set_encoding", |s, name: &str| s
        .set_encoding(name));
    let rc = runner.clone();
    engine.register_fn("encoding", move || rc.borrow().encoding());

    // The local side.
    reg!(engine, r, "lcd", |s, path: &str| s.lcd(path));
    let rc = runner.clone();
    engine.register_fn("lpwd", move || rc.borrow().lpwd());

    // Helpers for automation.
    engine.register_fn("sleep", |secs: INT| sleep(secs as f64));
    engine.register_fn("sleep", sleep);
    engine.register_fn("now_utc", now_utc);
    engine
}
