//! The proxies: Dante (SOCKS5) and Tinyproxy (HTTP CONNECT).

use super::*;

/// A SOCKS5 proxy (Dante) on 127.0.0.1 and a free port, for targets on
/// 127.0.0.0/8; with `auth`, a user name and password (the system's: the
/// tests' [`VSFTPD_USER`] and [`PASSWORD`]) are required; connections to
/// port `blocked` are refused by its rules. Every connection is logged
/// ([`Dante::log`]).
pub struct Dante {
    /// The port it listens on.
    pub port: u16,
    dir: tempfile::TempDir,
    child: Child,
}

impl Dante {
    /// Starts it (scripts/install-test-deps.sh installs dante-server).
    pub fn start(auth: bool, blocked: Option<u16>) -> Dante {
        ensure_system_user();
        let dir = tempfile::tempdir().expect("temporary directory");
        let method = if auth { "username" } else { "none" };
        let block = blocked.map_or(String::new(), |p| {
            format!("socks block {{\n  from: 0.0.0.0/0 to: 127.0.0.0/8 port = {p}\n  log: connect error\n}}\n")
        });
        let (port, child) = spawn_listening("danted", |port| {
            let config = format!(
                "logoutput: {log}\ninternal: 127.0.0.1 port = {port}\nexternal: 127.0.0.1\n\
                 socksmethod: {method}\nclientmethod: none\n\
                 user.privileged: root\nuser.unprivileged: nobody\n\
                 client pass {{\n  from: 127.0.0.0/8 to: 0.0.0.0/0\n}}\n{block}\
                 socks pass {{\n  from: 127.0.0.0/8 to: 127.0.0.0/8\n  command: connect bind bindreply\n  \
                 socksmethod: {method}\n  log: connect error\n}}\n\
                 socks block {{\n  from: 0.0.0.0/0 to: 0.0.0.0/0\n  log: connect error\n}}\n",
                log = dir.path().join("danted.log").display()
            );
            let conf = dir.path().join("danted.conf");
            std::fs::write(&conf, config).expect("write danted.conf");
            let mut cmd = Command::new("danted");
            cmd.args(["-f", &conf.display().to_string(), "-N", "1"]);
            cmd
        });
        Dante { port, dir, child }
    }

    /// What it logged (a line for each connection it passed or blocked).
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("danted.log")).unwrap_or_default()
    }
}

impl Drop for Dante {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP proxy (Tinyproxy) on 127.0.0.1 and a free port, CONNECT to any
/// port unless `ports` names the only ones allowed; with `auth`, basic
/// authentication with that user and password. Its log is
/// [`Tinyproxy::log`].
pub struct Tinyproxy {
    /// The port it listens on.
    pub port: u16,
    dir: tempfile::TempDir,
    child: Child,
}

impl Tinyproxy {
    /// Starts it (scripts/install-test-deps.sh installs tinyproxy).
    pub fn start(auth: Option<(&str, &str)>, ports: &[u16]) -> Tinyproxy {
        let dir = tempfile::tempdir().expect("temporary directory");
        let mut extra = String::new();
        if let Some((user, pass)) = auth {
            extra.push_str(&format!("BasicAuth {user} {pass}\n"));
        }
        for p in ports {
            extra.push_str(&format!("ConnectPort {p}\n"));
        }
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
        let (port, child) = spawn_listening("tinyproxy", |port| {
            let config = format!(
                "User nobody\nGroup nogroup\nPort {port}\nListen 127.0.0.1\nTimeout 60\n\
                 LogFile \"{log}\"\nLogLevel Connect\nMaxClients 100\nAllow 127.0.0.1\n\
                 DisableViaHeader Yes\n{extra}",
                log = dir.path().join("tinyproxy.log").display()
            );
            let conf = dir.path().join("tinyproxy.conf");
            std::fs::write(&conf, config).expect("write tinyproxy.conf");
            let mut cmd = Command::new("tinyproxy");
            cmd.args(["-d", "-c", &conf.display().to_string()]);
            cmd
        });
        Tinyproxy { port, dir, child }
    }

    /// What it logged.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("tinyproxy.log")).unwrap_or_default()
    }
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
