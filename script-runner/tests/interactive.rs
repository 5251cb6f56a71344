//! The interactive session in a real terminal (tmux: send-keys,
//! capture-pane) against real servers: the reference's `>>>` session
//! typed in, Tab completing a remote name, a block over several lines,
//! Ctrl-C stopping a download (the session goes on), Ctrl-D ending the
//! session with QUIT. tmux comes from the README's test command.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use ftp_tests::{PyFtpd, Tls, Vsftpd, random_bytes};

/// A tmux session running ftp-script in `dir` with `args`; its own HOME
/// (the history file goes there). Killed when dropped.
struct Terminal {
    name: String,
}

impl Terminal {
    fn start(dir: &Path, args: &str) -> Terminal {
        let name = format!("ftp-script-test-{}-{}", std::process::id(), rand_suffix());
        let command = format!(
            "HOME={home} {bin} {args}; echo EXITED $?; sleep 60",
            home = dir.display(),
            bin = env!("CARGO_BIN_EXE_ftp-script"),
        );
        let ok = Command::new("tmux")
            .args([
                "new-session",
                "-d",
                "-s",
                &name,
                "-x",
                "160",
                "-y",
                "50",
                "-c",
            ])
            .arg(dir)
            .arg(command)
            .status()
            .expect("tmux runs (scripts/install-test-deps.sh installs it)")
            .success();
        assert!(ok, "tmux new-session failed");
        let t = Terminal { name };
        t.wait_for(">>>");
        t
    }

    /// Types `keys` (tmux key names: "Enter", "Tab", "C-c", "C-d", or text).
    fn keys(&self, keys: &[&str]) {
        for k in keys {
            let ok = Command::new("tmux")
                .args(["send-keys", "-t", &self.name, k])
                .status()
                .expect("tmux send-keys")
                .success();
            assert!(ok, "send-keys {k}");
        }
    }

    /// Types a line and Enter, then waits for the next prompt.
    fn line(&self, text: &str) {
        let prompts = self.screen().matches(">>>").count();
        self.keys(&[text, "Enter"]);
        self.wait_until(|s| s.matches(">>>").count() > prompts, text);
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux")
            .args(["capture-pane", "-p", "-S", "-200", "-t", &self.name])
            .output()
            .expect("tmux capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn wait_for(&self, text: &str) {
        self.wait_until(|s| s.contains(text), text);
    }

    /// Polls the screen until `done` holds, at most 20 s.
    fn wait_until(&self, done: impl Fn(&str) -> bool, what: &str) {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            if done(&self.screen()) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("waited for {what:?}; the screen:\n{}", self.screen());
    }
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.name])
            .status();
    }
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() as u64)
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs tmux and pyftpdlib (the README's test command runs it)"
)]
fn the_reference_session_typed_at_the_prompt() {
    let server = PyFtpd::start("127.0.0.1");
    std::fs::create_dir(server.path("debian")).unwrap();
    let readme = random_bytes(40_000, 71);
    std::fs::write(server.path("debian/README"), &readme).unwrap();
    std::fs::write(server.path("debian/ls-lR.gz"), b"x").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let t = Terminal::start(dir.path(), "-i");
    // Ctrl-C at the prompt clears the line.
    t.keys(&["this is no statement", "C-c"]);
    t.line("let ftp = FTP()");
    t.line(&format!("ftp.connect(\"127.0.0.1\", {})", server.port));
    t.line("ftp.login()");
    t.line("ftp.cwd(\"debian\")");
    t.line("ftp.retrlines(\"LIST\")");
    // Tab completes the remote name: "REA" becomes "README".
    t.keys(&["ftp.retrbinary(\"RETR REA", "Tab"]);
    t.wait_for("RETR README");
    t.line("\", open(\"README\", \"wb\"))");
    // A block over three lines.
    t.keys(&["for n in ftp.nlst() {", "Enter"]);
    t.wait_for("...");
    t.keys(&["print(`name: ${n}`)", "Enter"]);
    t.line("}");
    t.line("help(\"retrbinary\")");
    t.line("ftp.cwd(\"nowhere\")");
    t.line("ftp.quit()");
    t.keys(&["C-d"]);
    t.wait_for("EXITED 0");
    let screen = t.screen();
    for wanted in [
        ">>> ftp.login()\n230 Login successful.",
        ">>> ftp.cwd(\"debian\")\n250 ",
        " README\n",
        " ls-lR.gz\n226 Transfer complete.",
        "RETR README\", open(\"README\", \"wb\"))\n226 Transfer complete.",
        "name: README\nname: ls-lR.gz\n",
        "retrbinary(cmd, callback",
        "error: 550 ",
        ">>> ftp.quit()\n221 ",
    ] {
        assert!(!screen.contains("error: Syntax"), "{screen}");
        assert!(
            screen.contains(wanted),
            "{wanted:?} not on the screen:\n{screen}"
        );
    }
    assert!(std::fs::read(dir.path().join("README")).unwrap() == readme);
    let history = std::fs::read_to_string(dir.path().join(".ftp_script_history")).unwrap();
    assert!(history.contains("ftp.login()"), "{history}");
}

#[test]
#[cfg_attr(
    not(feature = "interop"),
    ignore = "needs tmux and vsftpd (the README's test command runs it)"
)]
fn ctrl_c_stops_a_download_and_ctrl_d_sends_quit() {
    let logs = tempfile::tempdir().unwrap();
    let log = logs.path().join("vsftpd.log");
    // 1 MB/s: the 24 MiB download is under way when Ctrl-C comes.
    let config = format!(
        "anon_max_rate=1000000\nxferlog_enable=YES\nxferlog_std_format=NO\nlog_ftp_protocol=YES\nvsftpd_log_file={}\n",
        log.display()
    );
    let server = Vsftpd::start_config(Tls::Off, "127.0.0.1", false, &config);
    server.put("big.bin", &random_bytes(24 << 20, 72));
    let dir = tempfile::tempdir().unwrap();
    let t = Terminal::start(
        dir.path(),
        &format!("--url ftp://127.0.0.1:{}/", server.port),
    );
    t.keys(&["retr(\"big.bin\")", "Enter"]);
    std::thread::sleep(Duration::from_millis(1500));
    t.keys(&["C-c"]);
    t.wait_for("the transfer was cancelled");
    t.line("pwd()");
    t.line("size(\"big.bin\")");
    t.keys(&["C-d"]);
    t.wait_for("EXITED 0");
    let screen = t.screen();
    assert!(screen.contains(">>> pwd()\n/\n"), "{screen}");
    assert!(
        screen.contains(">>> size(\"big.bin\")\n25165824\n"),
        "{screen}"
    );
    assert!(
        !dir.path().join("big.bin").exists(),
        "nothing under the final name"
    );
    let part = std::fs::metadata(dir.path().join("big.bin.part"))
        .unwrap()
        .len();
    assert!(
        part > 0 && part < 24 << 20,
        "{part} bytes kept for a resume"
    );
    let said = std::fs::read_to_string(&log).unwrap();
    assert!(said.contains("\"QUIT\""), "{said}");
}
