//! The reference's first sample session over ftp-std: login, cwd, LIST,
//! RETR README into the current directory, quit, printing what Python's
//! ftplib session shows.
//!
//! usage: session URL   (ftp://[user[:pass]@]host[:port][/dir]; the
//! directory defaults to the reference's `debian`; `ftps://` is implicit
//! FTPS; credentials come from ~/.netrc when the URL has none)

use std::process::ExitCode;

use ftp_std::{Error, Ftp, Options, Url};

fn run(url: &str) -> Result<(), Error> {
    let url = Url::parse(url)?;
    println!(">>> from ftplib import FTP");
    println!(">>> ftp = FTP('{}')", url.host);
    let mut ftp = Ftp::connect_url(&url, &Options::default())?;
    let (user, pass, acct) = url.credentials()?;
    println!(">>> ftp.login()");
    println!("'{}'", ftp.login(&user, &pass, &acct)?);
    let dir = match url.path.as_str() {
        "" => "debian",
        path => path,
    };
    println!(">>> ftp.cwd('{dir}')");
    println!("'{}'", ftp.cwd(dir)?);
    println!(">>> ftp.retrlines('LIST')");
    let reply = ftp.retrlines("LIST", |line| println!("{line}"))?;
    println!("'{reply}'");
    println!(">>> ftp.retrbinary('RETR README', open('README', 'wb').write)");
    // Written as README.part, renamed once the server said 226.
    ftp.download("README", "README")?;
    println!(
        "'{}'",
        ftp.last_reply().map(String::from).unwrap_or_default()
    );
    println!(">>> ftp.quit()");
    println!("'{}'", ftp.quit()?);
    Ok(())
}

fn main() -> ExitCode {
    let Some(url) = std::env::args().nth(1) else {
        eprintln!("usage: session URL");
        return ExitCode::from(2);
    };
    match run(&url) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
