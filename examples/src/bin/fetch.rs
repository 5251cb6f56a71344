//! Downloads one file named by a URL, like `curl -O`: written under
//! `NAME.part`, renamed when complete, resumed with `--resume`.
//!
//! usage: fetch URL [OUT] [--resume] [--active] [--cacert FILE | --insecure]
//! (`ftp://` is clear text unless `--tls` asks for explicit FTPS; `ftps://`
//! is implicit FTPS)

use std::process::ExitCode;
use std::time::Instant;

use ftp_std::{Error, Ftp, Options, Security, Url, Verify};

struct Args {
    url: String,
    out: Option<String>,
    resume: bool,
    options: Options,
}

fn parse() -> Option<Args> {
    let mut args = std::env::args().skip(1);
    let (mut url, mut out, mut resume) = (None, None, false);
    let mut options = Options::default();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--resume" => resume = true,
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
        options,
    })
}

fn run(args: Args) -> Result<(), Error> {
    let url = Url::parse(&args.url)?;
    let (dir, name) = url.split_path();
    if name.is_empty() {
        return Err(Error::Io(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "the URL names a directory, not a file",
        )));
    }
    let out = args.out.unwrap_or_else(|| name.to_string());
    let mut ftp = Ftp::open(&url, &args.options)?;
    if !dir.is_empty() {
        ftp.cwd(dir)?;
    }
    let start = Instant::now();
    let done = ftp.download_with(name, &out, args.resume, |_| {})?;
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "{out}: {} bytes in {secs:.2} s ({:.1} MB/s){}",
        done.bytes,
        done.bytes as f64 / secs / 1e6,
        if done.offset > 0 {
            format!(", resumed at {}", done.offset)
        } else {
            String::new()
        }
    );
    ftp.quit()?;
    Ok(())
}

fn main() -> ExitCode {
    let Some(args) = parse() else {
        eprintln!(
            "usage: fetch URL [OUT] [--resume] [--active] [--tls] [--cacert FILE | --insecure]"
        );
        return ExitCode::from(2);
    };
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
