//! Downloads one file named by a URL, like `curl -O`: written under
//! `NAME.part`, renamed when complete, resumed with `--resume`.
//!
//! usage: fetch URL [OUT] [--resume] [--active] [--tls] [--cacert FILE | --insecure]
//!              [--put LOCAL] [--tokio]
//! (`ftp://` is clear text unless `--tls` asks for explicit FTPS; `ftps://`
//! is implicit FTPS; `--put LOCAL` uploads LOCAL to the URL instead;
//! `--tokio` runs the tokio session, on a current-thread runtime)

use std::process::ExitCode;
use std::time::Instant;

use ftp_std::{Error, Ftp, Options, Security, Url, Verify};

struct Args {
    url: String,
    out: Option<String>,
    resume: bool,
    put: Option<String>,
    tokio: bool,
    options: Options,
}

fn parse() -> Option<Args> {
    let mut args = std::env::args().skip(1);
    let (mut url, mut out, mut resume, mut put, mut tokio) = (None, None, false, None, false);
    let mut options = Options::default();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--resume" => resume = true,
            "--put" => put = Some(args.next()?),
            "--tokio" => tokio = true,
            "--active" => options.passive = false,
            "--tls" => options.security = Security::Explicit,
            "--insecure" => options.verify = Verify::Insecure,
            "--cacert" => options.verify = Verify::CaFile(args.next()?.into()),
            a if a.starts_with("--") => return None,
            _ if url.is_none() => url = Some(arg),
            _ if out.is_none() => out = Some(arg),
            _ => return None,
        }
    }
    Some(Args {
        url: url?,
        out,
        resume,
        put,
        tokio,
        options,
    })
}

/// What a run moved, for the report.
struct Moved {
    what: String,
    done: ftp_std::Transferred,
    secs: f64,
}

/// The remote directory and file name of the URL.
fn target(url: &Url) -> Result<(String, String), Error> {
    let (dir, name) = url.split_path();
    if name.is_empty() {
        return Err(Error::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the URL names a directory, not a file",
        )));
    }
    Ok((dir.to_string(), name.to_string()))
}

fn run(args: &Args) -> Result<Moved, Error> {
    let url = Url::parse(&args.url)?;
    let (dir, name) = target(&url)?;
    let mut ftp = Ftp::open(&url, &args.options)?;
    if !dir.is_empty() {
        ftp.cwd(&dir)?;
    }
    let start = Instant::now();
    let moved = match &args.put {
        Some(local) => Moved {
            done: ftp.upload_with(local, &name, args.resume, |_| {})?,
            what: name,
            secs: 0.0,
        },
        None => {
            let out = args.out.clone().unwrap_or(name.clone());
            Moved {
                done: ftp.download_with(&name, &out, args.resume, |_| {})?,
                what: out,
                secs: 0.0,
            }
        }
    };
    let secs = start.elapsed().as_secs_f64();
    ftp.quit()?;
    Ok(Moved { secs, ..moved })
}

/// The same on the tokio session.
fn run_tokio(args: &Args) -> Result<Moved, Error> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(Error::Io)?;
    runtime.block_on(async {
        let url = Url::parse(&args.url)?;
        let (dir, name) = target(&url)?;
        let mut ftp = ftp_std::tokio::Ftp::open(&url, &args.options).await?;
        if !dir.is_empty() {
            ftp.cwd(&dir).await?;
        }
        let start = Instant::now();
        let moved = match &args.put {
            Some(local) => Moved {
                done: ftp.upload_with(local, &name, args.resume, |_| {}).await?,
                what: name,
                secs: 0.0,
            },
            None => {
                let out = args.out.clone().unwrap_or(name.clone());
                Moved {
                    done: ftp.download_with(&name, &out, args.resume, |_| {}).await?,
                    what: out,
                    secs: 0.0,
                }
            }
        };
        let secs = start.elapsed().as_secs_f64();
        ftp.quit().await?;
        Ok(Moved { secs, ..moved })
    })
}

fn main() -> ExitCode {
    let Some(args) = parse() else {
        eprintln!(
            "usage: fetch URL [OUT] [--resume] [--active] [--tls] [--cacert FILE | --insecure] [--put LOCAL] [--tokio]"
        );
        return ExitCode::from(2);
    };
    let result = if args.tokio {
        run_tokio(&args)
    } else {
        run(&args)
    };
    match result {
        Ok(Moved { what, done, secs }) => {
            eprintln!(
                "{what}: {} bytes in {secs:.2} s ({:.1} MB/s){}",
                done.bytes,
                done.bytes as f64 / secs / 1e6,
                if done.offset > 0 {
                    format!(", resumed at {}", done.offset)
                } else {
                    String::new()
                }
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
