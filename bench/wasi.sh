#!/usr/bin/env bash
# WASI benchmark (not a test): the same 64 MiB download by the native
# runner and by the wasm32-wasip2 runner under wasmtime, from a local
# pyftpdlib on loopback, in the same run (best of RUNS, default 3). Also
# prints the size of the component.
#
# usage: bash bench/wasi.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

bash scripts/install-test-deps.sh >/dev/null
rustup target add wasm32-wasip2 >/dev/null
cargo build -q --release -p ftp-script
cargo build -q --release -p ftp-script --target wasm32-wasip2
native="$PWD/target/release/ftp-script"
wasm="$PWD/target/wasm32-wasip2/release/ftp-script.wasm"
wasmtime="$(python3 -c 'import os, wasmtime_cli; print(os.path.dirname(wasmtime_cli.__file__))')/wasmtime"

work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/root" "$work/native" "$work/wasi"
head -c $((64 << 20)) /dev/urandom > "$work/root/big.bin"
python3 scripts/ftpd.py "$work/root" > "$work/port" 2>/dev/null &
pid=$!
for _ in $(seq 1 100); do [ -s "$work/port" ] && break; sleep 0.05; done
port=$(head -n1 "$work/port")
[ -n "$port" ] || die "pyftpdlib did not start"
url="ftp://127.0.0.1:$port/"

now() { date +%s.%N; }
best() { sort -n | head -n1; }
n=(); w=()
for _ in $(seq 1 "$runs"); do
    rm -f "$work/native/big.bin" "$work/wasi/big.bin"
    t0=$(now)
    (cd "$work/native" && "$native" --url "$url" -e 'retr("big.bin");')
    t1=$(now)
    (cd "$work/wasi" && "$wasmtime" run -S inherit-network=y --dir . "$wasm" --url "$url" -e 'retr("big.bin");')
    t2=$(now)
    cmp -s "$work/root/big.bin" "$work/native/big.bin" || die "the native copy differs"
    cmp -s "$work/root/big.bin" "$work/wasi/big.bin" || die "the WASI copy differs"
    n+=("$(echo "$t1 - $t0" | bc -l)")
    w+=("$(echo "$t2 - $t1" | bc -l)")
done
bn=$(printf '%s\n' "${n[@]}" | best)
bw=$(printf '%s\n' "${w[@]}" | best)
printf 'component: %s bytes (%.1f MiB), wasmtime %s\n' "$(stat -c %s "$wasm")" \
    "$(echo "$(stat -c %s "$wasm") / 1048576" | bc -l)" "$("$wasmtime" --version | awk '{print $2}')"
printf '64 MiB download from pyftpdlib on loopback, best of %s:\n' "$runs"
printf '  native     %6.3f s  (%.0f MB/s)\n' "$bn" "$(echo "67.108864 / $bn" | bc -l)"
printf '  wasmtime   %6.3f s  (%.0f MB/s, startup included)\n' "$bw" "$(echo "67.108864 / $bw" | bc -l)"
