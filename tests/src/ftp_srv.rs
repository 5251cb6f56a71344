//! ftp-srv (Node).

use super::*;

/// Where scripts/install-test-deps.sh installs ftp-srv (npm).
pub const FTP_SRV: &str = "/opt/ftp-rs-tests/ftp-srv/node_modules";

/// ftp-srv (the npm package, on Node) on 127.0.0.1 and a free port,
/// through scripts/ftpsrv.js: [`USER`] / [`PASSWORD`] may write in
/// [`FtpSrv::root`] (the session's `/`), anonymous may read it; explicit
/// FTPS with a certificate from [`Certs`] when asked; at most `max`
/// sessions at once when given (the next is greeted with 421).
pub struct FtpSrv {
    /// The port it listens on.
    pub port: u16,
    /// The directory it serves.
    pub root: tempfile::TempDir,
    /// The CA file that verifies its certificate (FTPS only).
    pub ca: Option<PathBuf>,
    _certs: Option<Certs>,
    child: Child,
}

impl FtpSrv {
    /// Starts it: `tls` for explicit FTPS, `max` sessions at most.
    pub fn start(tls: bool, max: Option<usize>) -> FtpSrv {
        assert!(
            Path::new(FTP_SRV).join("ftp-srv").exists(),
            "{FTP_SRV}/ftp-srv is missing (scripts/install-test-deps.sh installs it with npm)"
        );
        let root = tempfile::tempdir().expect("temporary directory");
        let certs = tls.then(Certs::generate);
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/ftpsrv.js");
        let mut cmd = Command::new("node");
        cmd.env("NODE_PATH", FTP_SRV)
            .arg(&script)
            .args(["0", &root.path().display().to_string(), USER, PASSWORD])
            .arg("--anonymous");
        if let Some(c) = &certs {
            cmd.arg("--tls").arg(&c.cert).arg(&c.key);
        }
        if let Some(max) = max {
            cmd.args(["--max", &max.to_string()]);
        }
        // Its standard input is its life line: it exits when the test's
        // end closes it.
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("node runs scripts/ftpsrv.js (scripts/install-test-deps.sh installs Node)");
        let stdout = child.stdout.take().expect("stdout");
        let mut line = String::new();
        BufReader::new(stdout)
            .read_line(&mut line)
            .expect("ftp-srv says it is ready");
        let port = line
            .trim()
            .strip_prefix("ready ")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("ftp-srv did not start: {line:?}"));
        FtpSrv {
            port,
            root,
            ca: certs.as_ref().map(|c| c.ca.clone()),
            _certs: certs,
            child,
        }
    }
}

impl Drop for FtpSrv {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
