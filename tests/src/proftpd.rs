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
        Self::start_with(|_, _| String::new())
    }

    /// Starts it with a name-based virtual host on the same address and
    /// port (RFC 7151's HOST, which ProFTPD lists in FEAT): a session that
    /// says `HOST name` before login starts in `root/rel` (made here),
    /// others in `/`.
    pub fn start_vhost(name: &str, rel: &str) -> ProFtpd {
        Self::start_with(|port, root| {
            let dir = root.join(rel);
            std::fs::create_dir_all(&dir).expect("the virtual host's directory");
            format!(
                "<VirtualHost 127.0.0.1>\n  Port {port}\n  ServerAlias {name}\n  \
                 DefaultChdir {}\n  AuthOrder mod_auth_unix.c\n  AuthPAM off\n  \
                 RequireValidShell off\n  \
                 <Directory />\n    AllowOverwrite on\n  </Directory>\n</VirtualHost>\n",
                dir.display()
            )
        })
    }

    /// Starts it with `extra(port, root)` at the end of its configuration.
    fn start_with(extra: impl Fn(u16, &Path) -> String) -> ProFtpd {
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
                 <Directory />\n  AllowOverwrite on\n</Directory>\n{}",
                pasv.saturating_add(100),
                extra(port, root.path()),
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
