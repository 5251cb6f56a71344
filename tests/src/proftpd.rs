//! ProFTPD with mod_digest.

use super::*;

/// Where scripts/install-test-deps.sh unpacks ProFTPD (with mod_digest).
pub const PROFTPD: &str = "/opt/ftp-rs-tests/proftpd";

/// A ProFTPD on 127.0.0.1 and a free port with mod_digest (HASH, XSHA256,
/// XSHA1, XMD5, XCRC) and MFMT, logins as the system's users (the tests'
/// [`VSFTPD_USER`] with [`PASSWORD`]), no chroot: the user starts in `/`
/// and reaches [`ProFtpd::root`] by its absolute path.
pub struct ProFtpd {
    /// The port it listens on.
    pub port: u16,
    /// A directory the user owns, for the test's files.
    pub root: tempfile::TempDir,
    _conf: tempfile::TempDir,
    child: Child,
}

impl ProFtpd {
    /// Starts it.
    pub fn start() -> ProFtpd {
        let root = user_root();
        let conf = tempfile::tempdir().expect("temporary directory");
        let (port, child) = spawn_listening("proftpd", |port| {
            let pasv = free_port();
            let dir = conf.path().display();
            let config = format!(
                "ServerName \"ftp-rs test\"\nServerType standalone\nDefaultServer on\n\
                 Port {port}\nDefaultAddress 127.0.0.1\nSocketBindTight on\nUseIPv6 off\n\
                 User nobody\nGroup nogroup\nMaxInstances 30\n\
                 PassivePorts {pasv} {}\nScoreboardFile {dir}/scoreboard\n\
                 PidFile {dir}/proftpd.pid\nDelayTable none\nWtmpLog off\n\
                 RequireValidShell off\nAuthPAM off\nAuthOrder mod_auth_unix.c\n\
                 UseReverseDNS off\nModulePath {PROFTPD}/usr/lib/proftpd\n\
                 LoadModule mod_digest.c\nDigestEngine on\nUmask 022\n\
                 <Directory />\n  AllowOverwrite on\n</Directory>\n",
                pasv.saturating_add(100)
            );
            let conf_path = conf.path().join("proftpd.conf");
            std::fs::write(&conf_path, config).expect("write proftpd.conf");
            let mut cmd = Command::new(format!("{PROFTPD}/usr/sbin/proftpd"));
            cmd.arg("-n").arg("-c").arg(&conf_path);
            cmd
        });
        ProFtpd {
            port,
            root,
            _conf: conf,
            child,
        }
    }

    /// The remote path of `rel` in [`ProFtpd::root`].
    pub fn remote(&self, rel: &str) -> String {
        format!("{}/{rel}", self.root.path().display())
    }
}

impl Drop for ProFtpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
