#!/usr/bin/env bash
# The main job: the reference's sample session end to end against a real
# local server. Starts pyftpdlib (installed if missing) on a free loopback
# port serving a small debian/ tree, runs it as a script with the runner
# (ftp-script --url ... examples/scripts/debian.rhai: login, cwd("debian"),
# the listing, retr("README"), quit), shows the retrieved README, stops the
# server.
set -euo pipefail
cd "$(dirname "$0")/.."
# The server is local: no proxy of the environment in between.
unset ALL_PROXY all_proxy ftp_proxy FTP_PROXY

bash scripts/install-test-deps.sh --pyftpdlib-only
cargo build -q -p ftp-script

work=$(mktemp -d)
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

mkdir -p "$work/root/debian/pool" "$work/root/debian/project" "$work/root/debian/tools" "$work/out"
cat > "$work/root/debian/README" <<'TEXT'
See https://www.debian.org/ for information about Debian GNU/Linux.

Current Releases
----------------
This directory is a small stand-in for a Debian mirror, served by a local
pyftpdlib so that the sample session of Python's ftplib documentation can
run end to end: login, cwd("debian"), LIST, RETR README, quit.
TEXT

python3 scripts/ftpd.py "$work/root" > "$work/port" 2> "$work/server.log" &
server_pid=$!
for _ in $(seq 1 100); do
    [ -s "$work/port" ] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log" >&2; exit 1; }
    sleep 0.1
done
port=$(head -n1 "$work/port")
[ -n "$port" ] || { echo "error: the FTP server did not start" >&2; exit 1; }

bin="$PWD/target/debug/ftp-script"
script="$PWD/examples/scripts/debian.rhai"
echo "\$ ftp-script --url ftp://127.0.0.1:$port/ examples/scripts/debian.rhai"
(cd "$work/out" && "$bin" --url "ftp://127.0.0.1:$port/" "$script")
echo
echo "--- README as retrieved ($(wc -c < "$work/out/README") bytes) ---"
cat "$work/out/README"
cmp "$work/root/debian/README" "$work/out/README" && echo "--- identical to the server's copy ---"
