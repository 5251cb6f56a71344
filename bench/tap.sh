#!/usr/bin/env bash
# Download throughput over a TAP device (not a test): the device programs
# firmware_tap (smoltcp, blocking) and embassy_tap (embassy-net, async),
# and their FTPS twins firmware_tls_tap and embassy_tls_tap (ftp-tls),
# release builds, each fetching a 4 MiB file from pyftpdlib in a network
# namespace (192.0.2.1; a second pyftpdlib with TLS required for the FTPS
# programs) and uploading a log; interleaved, RUNS times each (default
# 5), medians. As root.
#
# usage: bash bench/tap.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
[ "$(id -u)" = 0 ] || { echo "error: needs root (network namespace, TAP device)" >&2; exit 1; }
bash scripts/install-test-deps.sh >/dev/null
command -v openssl >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null
cargo build -q --release -p ftp-examples --bin firmware_tap --bin embassy_tap \
    --bin firmware_tls_tap --bin embassy_tls_tap
ns=ftprs-bench-$$
work=$(mktemp -d)
cleanup() {
    [ -n "${server:-}" ] && kill "$server" 2>/dev/null
    [ -n "${tls_server:-}" ] && kill "$tls_server" 2>/dev/null
    ip netns del "$ns" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" tuntap add dev tap0 mode tap
ip -n "$ns" addr add 192.0.2.1/24 dev tap0
ip -n "$ns" link set tap0 up
mkdir -p "$work/root/pub"
head -c $((4 << 20)) /dev/urandom > "$work/root/pub/firmware.bin"
seq 1 3000 > "$work/device.log"
ip netns exec "$ns" python3 scripts/ftpd.py "$work/root" --user tester --password pw --host 192.0.2.1 > "$work/port" &
server=$!
for _ in $(seq 1 50); do [ -s "$work/port" ] && break; sleep 0.1; done
port=$(head -n1 "$work/port")
# A CA and a certificate it signed for the server's address.
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/ca.key" -out "$work/ca.pem" -days 2 \
    -subj /CN=bench-ca 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/req.csr" \
    -subj /CN=192.0.2.1 2>/dev/null
printf 'subjectAltName=IP:192.0.2.1\n' > "$work/san"
openssl x509 -req -in "$work/req.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial \
    -out "$work/cert.pem" -days 2 -extfile "$work/san" 2>/dev/null
ip netns exec "$ns" python3 scripts/ftpd.py "$work/root" --user tester --password pw --host 192.0.2.1 \
    --certfile "$work/cert.pem" --keyfile "$work/key.pem" > "$work/tls_port" &
tls_server=$!
for _ in $(seq 1 50); do [ -s "$work/tls_port" ] && break; sleep 0.1; done
tls_port=$(head -n1 "$work/tls_port")
run() { # program -> MB/s
    local at=$port extra=()
    case $1 in *tls*) at=$tls_port; extra=("$work/ca.pem") ;; esac
    ip netns exec "$ns" "target/release/$1" tap0 "192.0.2.1:$at" tester pw pub firmware.bin \
        "$work/out" "$work/device.log" device.log "${extra[@]}" > "$work/$1.txt"
    cmp -s "$work/out" "$work/root/pub/firmware.bin" || { echo "error: $1: the download differs" >&2; exit 1; }
    # "downloaded N bytes in M ms (K kB/s)"
    grep -o '([0-9]* kB/s)' "$work/$1.txt" | tr -d '(' | awk '{printf "%.1f\n", $1 / 1000}'
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
declare -A speeds
for _ in $(seq 1 "$runs"); do
    for p in firmware_tap embassy_tap firmware_tls_tap embassy_tls_tap; do speeds[$p]+="$(run $p) "; done
done
printf '%s, %s, 4 MiB from pyftpdlib over TAP, release builds, median of %s interleaved runs\n' \
    "$(date -u +%Y-%m-%d)" "$(nproc) cores $(uname -m)" "$runs"
for p in firmware_tap embassy_tap firmware_tls_tap embassy_tls_tap; do
    printf '  %-17s %6.1f MB/s   (runs: %s)\n' "$p" "$(printf '%s\n' ${speeds[$p]} | median)" "${speeds[$p]% }"
done
