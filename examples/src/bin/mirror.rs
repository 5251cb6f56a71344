//! Mirrors a remote tree into a local directory, with the blocking mirror
//! (a thread per connection) or, with `--tokio`, the tokio one (every
//! connection a future of one task on one thread): the same plan, the
//! same checks of names, the same summary.
//!
//! usage: mirror URL DIR [--parallel N] [--tokio]
//! (`ftp://[user[:pass]@]host[:port][/dir]`; credentials from ~/.netrc
//! when the URL has none; exit status 1 when a file failed)

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use ftp_std::{Error, Summary, Url};

/// The blocking mirror.
#[path = "../twin"]
mod blocking {
    pub(crate) use ftp_core_macros::blocking as bisync;
    pub(crate) use ftp_std::mirror;

    /// Sessions for the workers: connected and logged in.
    pub(crate) fn connector<'a>(
        url: &'a ftp_std::Url,
        options: &'a ftp_std::Options,
    ) -> impl ftp_std::Connect + 'a {
        move || ftp_std::Ftp::open(url, options)
    }

    #[allow(clippy::duplicate_mod)]
    #[path = "mirror.rs"]
    pub(crate) mod body;
}

/// The tokio mirror.
#[path = "../twin"]
mod on_tokio {
    pub(crate) use ftp_core_macros::asynch as bisync;
    pub(crate) use ftp_std::tokio::mirror;

    /// Sessions for the workers: connected and logged in.
    pub(crate) fn connector<'a>(
        url: &'a ftp_std::Url,
        options: &'a ftp_std::Options,
    ) -> impl ftp_std::tokio::Connect + 'a {
        move || ftp_std::tokio::Ftp::open(url, options)
    }

    #[allow(clippy::duplicate_mod)]
    #[path = "mirror.rs"]
    pub(crate) mod body;
}

fn run(url: &str, local: &Path, parallel: usize, tokio: bool) -> Result<Summary, Error> {
    let url = Url::parse(url)?;
    if !tokio {
        return blocking::body::run(&url, local, parallel);
    }
    ftp_examples::on_tokio(on_tokio::body::run(&url, local, parallel))
}

fn main() -> ExitCode {
    let usage = "usage: mirror URL DIR [--parallel N] [--tokio]";
    let mut args = std::env::args().skip(1);
    let (mut url, mut local, mut parallel, mut tokio) = (None, None, 1, false);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--tokio" => tokio = true,
            "--parallel" => match args.next().and_then(|n| n.parse().ok()) {
                Some(n) => parallel = n,
                None => {
                    eprintln!("{usage}");
                    return ExitCode::from(2);
                }
            },
            _ if url.is_none() => url = Some(arg),
            _ if local.is_none() => local = Some(PathBuf::from(arg)),
            _ => {
                eprintln!("{usage}");
                return ExitCode::from(2);
            }
        }
    }
    let (Some(url), Some(local)) = (url, local) else {
        eprintln!("{usage}");
        return ExitCode::from(2);
    };
    match run(&url, &local, parallel, tokio) {
        Ok(s) => {
            println!(
                "{} files, {} bytes, {} skipped, {} failed, {} connections, {:.3} s",
                s.files,
                s.bytes,
                s.skipped,
                s.failed.len(),
                s.connections,
                s.seconds
            );
            for p in &s.failed {
                eprintln!("failed: {}: {}", p.path, p.message);
            }
            if s.failed.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
