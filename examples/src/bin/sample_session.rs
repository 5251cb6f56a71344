//! The reference's first sample session, on ftp-core over std TCP:
//! login, cwd("debian"), LIST, RETR README into the current directory,
//! quit, printing what Python's ftplib session shows.
//!
//! usage: sample_session HOST:PORT

use std::fs::File;
use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use ftp_core::{Reply, Text};

fn show(reply: Reply<'_>) {
    println!("'{}'", Text(reply.text()));
}

fn run(addr: &str) -> Result<(), ftp_std::Error> {
    println!(">>> ftp = FTP('{addr}')");
    let mut ftp = ftp_std::connect(addr, Some(Duration::from_secs(30)))?;
    println!(">>> ftp.login()");
    show(ftp.login("", "", "")?);
    println!(">>> ftp.cwd('debian')");
    show(ftp.cwd("debian")?);
    println!(">>> ftp.retrlines('LIST')");
    let mut buf = vec![0u8; 8192];
    let reply = ftp.retrlines("LIST", &mut buf, |line| {
        println!("{}", Text(line));
        Ok(())
    })?;
    show(reply);
    println!(">>> ftp.retrbinary('RETR README', open('README', 'wb').write)");
    // Written under a temporary name, renamed once the server said 226.
    let mut file = File::create("README.part").map_err(ftp_core::Error::Io)?;
    let result = ftp.retrbinary("RETR README", &mut buf, None, |block| file.write_all(block));
    match result {
        Ok(reply) => {
            show(reply);
            file.sync_all().map_err(ftp_core::Error::Io)?;
            std::fs::rename("README.part", "README").map_err(ftp_core::Error::Io)?;
        }
        Err(e) => {
            let _ = std::fs::remove_file("README.part");
            return Err(e);
        }
    }
    println!(">>> ftp.quit()");
    show(ftp.quit()?);
    Ok(())
}

fn main() -> ExitCode {
    let Some(addr) = std::env::args().nth(1) else {
        eprintln!("usage: sample_session HOST:PORT");
        return ExitCode::from(2);
    };
    match run(&addr) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
