//! One line for each function of the runner: `help()` lists them,
//! `help("name")` shows one, and the interactive session completes them.

/// Every function (and method of `FTP(...)` objects), with its line.
pub const FUNCTIONS: &[(&str, &str)] = &[
    (
        "FTP",
        "FTP([host[, user[, passwd[, acct[, timeout]]]]]): a session (connects to port 21 with a host, logs in with a user)",
    ),
    (
        "FTP_TLS",
        "FTP_TLS(...): the same with explicit FTPS (AUTH TLS, data protected from login on)",
    ),
    (
        "connect",
        "connect(host[, port]): connects; returns the welcome",
    ),
    (
        "connect_tls",
        "connect_tls(host[, port]): connects with explicit FTPS",
    ),
    ("getwelcome", "getwelcome(): the whole welcome, every line"),
    ("welcome", "welcome(): the welcome"),
    (
        "login",
        "login([user[, passwd[, acct]]]): logs in (anonymous, or --url, FTP_USER, --netrc)",
    ),
    ("quit", "quit(): QUIT; the session is gone afterwards"),
    (
        "close",
        "close(): closes the session without a word (a file object: flushes and closes it)",
    ),
    ("abort", "abort(): ABOR"),
    ("cwd", "cwd(path): changes the remote directory"),
    ("cdup", "cdup(): the parent directory"),
    ("pwd", "pwd(): the remote directory"),
    ("mkd", "mkd(path): makes a directory; returns its path"),
    ("rmd", "rmd(path): removes a directory"),
    ("delete", "delete(path): removes a file"),
    ("rename", "rename(from, to)"),
    ("size", "size(path): the size in bytes, or () without SIZE"),
    ("mdtm", "mdtm(path): the modification time, YYYYMMDDHHMMSS"),
    ("exists", "exists(path): true for a file or a directory"),
    ("nlst", "nlst([path]): the names"),
    (
        "probe",
        "probe([url[, connections]]): what the server supports and needs, as a map",
    ),
    (
        "fxp",
        "fxp(from, path, to, path) or from.fxp(path, to, path): copy between two servers, the data never here",
    ),
    (
        "list",
        "list([path][, #{via: \"stat\", hidden: true}]): the LIST entries as maps (name, type, size, time, owner): Unix, DOS, VMS, OS/400, z/OS",
    ),
    (
        "dir",
        "dir([path][, #{via: \"stat\", hidden: true}]): the LIST lines (over STAT, with hidden files)",
    ),
    (
        "mlsd",
        "mlsd([path[, facts]]): maps of facts (name, type, size, modify, ...)",
    ),
    (
        "retrlines",
        "retrlines(cmd[, callback]): each line to the callback (printed without one); returns the reply",
    ),
    (
        "retrbinary",
        "retrbinary(cmd, callback[, blocksize[, rest]]): each block (a blob) to the callback or a file object",
    ),
    (
        "storbinary",
        "storbinary(cmd, file[, blocksize[, callback[, rest]]]): uploads a file object",
    ),
    (
        "storlines",
        "storlines(cmd, file[, callback]): uploads a file object as text",
    ),
    (
        "retr",
        "retr(remote[, local][, #{resume, verify, segments}]): downloads to a file (via NAME.part)",
    ),
    ("retr_text", "retr_text(remote): the file as text"),
    (
        "stor",
        "stor(local[, remote][, #{resume, keep_time, verify}]): uploads a file",
    ),
    ("stor_text", "stor_text(remote, text): uploads text"),
    (
        "appe",
        "appe(local, remote): appends a local file to a remote one",
    ),
    (
        "mirror",
        "mirror(remote, local[, opts]): copies a remote tree here (parallel, only_newer, delete, ...)",
    ),
    (
        "mirror_up",
        "mirror_up(local, remote[, opts]): copies a local tree to the server",
    ),
    (
        "sendcmd",
        "sendcmd(cmd): sends a command; returns the reply",
    ),
    ("voidcmd", "voidcmd(cmd): the same, an error unless 2xx"),
    ("feat", "feat(): the FEAT lines"),
    ("binary", "binary(): TYPE I for retr and stor"),
    ("ascii", "ascii(): TYPE A for retr and stor"),
    (
        "passive",
        "passive(on): passive (true) or active (false) mode",
    ),
    ("set_pasv", "set_pasv(on): the same, ftplib's name"),
    ("prot_p", "prot_p(): protects the data connections (FTPS)"),
    ("prot_c", "prot_c(): clear data connections"),
    ("ccc", "ccc(): clear control connection after login (CCC)"),
    (
        "set_debuglevel",
        "set_debuglevel(n): 0 quiet, 1 commands and replies, 2 every line",
    ),
    (
        "set_encoding",
        "set_encoding(name): the encoding of names on the server",
    ),
    ("encoding", "encoding(): that encoding's name"),
    ("lcd", "lcd(path): the local directory"),
    ("lpwd", "lpwd(): the local directory"),
    (
        "open",
        "open(path[, mode]): a local file (r, w, a; b for blobs): read, readline, write, close",
    ),
    ("read", "file.read([n]): the rest of a file, or n bytes"),
    ("readline", "file.readline(): the next line"),
    ("write", "file.write(data): writes a blob or a string"),
    ("sleep", "sleep(seconds): waits (at most an hour)"),
    ("now_utc", "now_utc(): the time, YYYYMMDDHHMMSS"),
    ("help", "help([name]): these lines"),
];

/// `help()`: every line; `help(name)`: that function's.
pub fn help(name: Option<&str>) -> String {
    match name {
        None => FUNCTIONS
            .iter()
            .map(|(_, line)| *line)
            .collect::<Vec<_>>()
            .join("\n"),
        Some(n) => FUNCTIONS.iter().find(|(f, _)| *f == n).map_or_else(
            || format!("no function named {n:?}: help() lists them"),
            |(_, l)| l.to_string(),
        ),
    }
}
