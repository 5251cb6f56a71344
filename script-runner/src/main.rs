//! ftp-script: the scripted runner. A shell until the runner is built.

fn main() {
    eprintln!("error: ftp-script is not built yet");
    std::process::exit(2);
}
