#!/usr/bin/env bash
# WASI against native (not a test): the runner built for wasm32-wasip2
# under wasmtime beside the native runner, interleaved in one run, medians
# of RUNS (default 3) after a warm-up (which also fills wasmtime's
# compilation cache). vsftpd 3 on 127.0.0.2 with the data on tmpfs;
# bench/rttproxy forwards 127.0.0.1 to it with half the round trip added
# each way (the kernel has no netem). Rows:
#   mirror 2000 files of 4 KiB, 4 connections, no added delay
#   mirror 60 files of 4 KiB, 4 connections, 50 ms round trip (and the
#     native runner with 1 connection, for scale)
#   100 files of 1 KB over explicit FTPS, one session, no added delay
#   mirror 240 files of 4 KiB over explicit FTPS, 4 connections
# With BASELINE_WASM=path/to/an/older/ftp-script.wasm that component runs
# too, as "wasi before". Every copy is checked against its source. Also
# prints the component's size.
#
# usage: bash bench/wasi-parallel.sh [RUNS]   (as root)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
source bench/tree.sh

bash scripts/install-test-deps.sh >/dev/null
need openssl
rustup target add wasm32-wasip2 >/dev/null
cargo build -q --release -p ftp-script
cargo build -q --release -p ftp-script --target wasm32-wasip2
cargo build -q --release --manifest-path bench/rttproxy/Cargo.toml
target=${CARGO_TARGET_DIR:-$PWD/target}
native="$target/release/ftp-script"
wasm="$target/wasm32-wasip2/release/ftp-script.wasm"
proxy_bin="${CARGO_TARGET_DIR:-$PWD/bench/rttproxy/target}/release/rttproxy"
wasmtime="$(python3 -c 'import os, wasmtime_cli; print(os.path.dirname(wasmtime_cli.__file__))')/wasmtime"
[ -x "$wasmtime" ] || die "wasmtime is missing (scripts/install-test-deps.sh installs it)"
if [ -n "${BASELINE_WASM:-}" ]; then
    [ -f "$BASELINE_WASM" ] || die "BASELINE_WASM=$BASELINE_WASM is not a file"
fi

bench_workdir
root="$base/root"
mkdir -p "$root/small" "$base/out"
make_tree "$root/tree"
python3 - "$root" <<'PY'
import os, sys
root = sys.argv[1]
for d in range(3):
    os.makedirs(f"{root}/tree60/d{d}", exist_ok=True)
    for f in range(20):
        open(f"{root}/tree60/d{d}/f{f:02}.bin", "wb").write(os.urandom(4096))
for d in range(4):
    os.makedirs(f"{root}/tree240/d{d}", exist_ok=True)
    for f in range(60):
        open(f"{root}/tree240/d{d}/f{f:02}.bin", "wb").write(os.urandom(4096))
for f in range(1, 101):
    open(f"{root}/small/f{f}", "wb").write(os.urandom(1000))
PY
chmod -R a+rX "$root"

# Ports free on 127.0.0.1 (the proxy) and 127.0.0.2 (vsftpd): a control
# port and 40 passive ports above it, then the same for FTPS.
port=$(free_port_block 84)
[ -n "$port" ] || die "no 84 free ports in a row on 127.0.0.1 and 127.0.0.2"
pasv=$((port + 1)) tls_port=$((port + 42)) tls_pasv=$((port + 43))
mkdir -p /var/run/vsftpd/empty
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$base/key.pem" -out "$base/out/ca.pem" \
    -days 2 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null \
    || die "openssl cannot make a certificate"
vsftpd_conf() { # PORT PASV
    printf '%s\n' listen=YES listen_address=127.0.0.2 "listen_port=$1" background=NO \
        anonymous_enable=YES "anon_root=$root" no_anon_password=YES local_enable=NO \
        pasv_enable=YES "pasv_min_port=$2" "pasv_max_port=$(($2 + 40))" pasv_address=127.0.0.1 \
        seccomp_sandbox=NO isolate_network=NO secure_chroot_dir=/var/run/vsftpd/empty \
        xferlog_enable=NO max_per_ip=0 max_clients=0
}
vsftpd_conf "$port" "$pasv" > "$base/vsftpd.conf"
{ vsftpd_conf "$tls_port" "$tls_pasv"; printf '%s\n' ssl_enable=YES allow_anon_ssl=YES \
    force_anon_data_ssl=YES force_anon_logins_ssl=YES require_ssl_reuse=YES ssl_ciphers=HIGH \
    "rsa_cert_file=$base/out/ca.pem" "rsa_private_key_file=$base/key.pem"; } > "$base/vsftpd-tls.conf"
/usr/sbin/vsftpd "$base/vsftpd.conf" &
vpid=$!
/usr/sbin/vsftpd "$base/vsftpd-tls.conf" &
vpid="$vpid $!"

start_proxy() { # RTT_MS
    stop_proxy
    "$proxy_bin" 127.0.0.1 127.0.0.2 "$port,$pasv-$((pasv + 40)),$tls_port,$tls_pasv-$((tls_pasv + 40))" \
        "$(echo "$1 / 2" | bc -l)" > "$base/ready" &
    ppid=$!
    for _ in $(seq 1 100); do
        grep -q ready "$base/ready" 2>/dev/null && return 0
        sleep 0.05
    done
    die "the proxy did not start"
}

url="ftp://127.0.0.1:$port"
tls_url="ftp://127.0.0.1:$tls_port"
mirror() { # DIR PARALLEL FILES
    printf 'let s = mirror("%s", "%s", #{ parallel: %s }); if s.files != %s { throw s; }' "$1" "$1" "$2" "$3"
}
small='for i in 1..101 { retr(`f${i}`); }'
declare -A cmd
cmd[tree,native]="$native --url $url/ -e '$(mirror tree 4 2000)'"
cmd[tree60,native]="$native --url $url/ -e '$(mirror tree60 4 60)'"
cmd[tree60,native-1]="$native --url $url/ -e '$(mirror tree60 1 60)'"
cmd[small,native]="$native --tls --cacert ca.pem --url $tls_url/small -e '$small'"
cmd[tree240,native]="$native --tls --cacert ca.pem --url $tls_url/ -e '$(mirror tree240 4 240)'"
components=(wasi)
[ -n "${BASELINE_WASM:-}" ] && components+=("wasi-before")
for c in "${components[@]}"; do
    component=$wasm
    [ "$c" = wasi-before ] && component=$BASELINE_WASM
    for s in tree tree60 small tree240; do
        cmd[$s,$c]="${cmd[$s,native]//$native/$wasmtime run -S inherit-network=y --dir . $component}"
    done
done

check() { # SCENARIO DIR
    case $1 in
        small) for i in $(seq 1 100); do cmp -s "$root/small/f$i" "$2/f$i" || die "small: f$i differs"; done ;;
        *) diff -r "$root/$1" "$2/$1" >/dev/null || die "$1: the copy in $2 differs" ;;
    esac
}

timed() { # SCENARIO CLIENT: wall seconds
    local out="$base/out/run"
    rm -rf "$out"; mkdir -p "$out"; cp "$base/out/ca.pem" "$out/"
    ( cd "$out" && /usr/bin/time -f '%e' -o "$base/time" bash -c "${cmd[$1,$2]}" >/dev/null 2>"$base/err" ) \
        || { cat "$base/err" >&2; die "$1 with $2 failed"; }
    check "$1" "$out"
    cat "$base/time"
}

clients=(native native-1 "${components[@]}")
printf '%s, %s, vsftpd %s, wasmtime %s; medians of %s runs after a warm-up\n' \
    "$(date -u +%Y-%m-%d)" "$(nproc) cores $(uname -m)" "$(dpkg-query -W -f='${Version}' vsftpd)" \
    "$("$wasmtime" --version | awk '{print $2}')" "$runs"
printf '%-34s' "scenario"; for c in "${clients[@]}"; do printf ' %-13s' "$c"; done; printf '\n'
for row in "tree 0" "tree60 50" "small 0" "tree240 0"; do
    read -r s rtt <<< "$row"
    start_proxy "$rtt"
    declare -A wall=()
    present=()
    for c in "${clients[@]}"; do [ -n "${cmd[$s,$c]:-}" ] && present+=("$c"); done
    for c in "${present[@]}"; do timed "$s" "$c" >/dev/null; done
    for _ in $(seq 1 "$runs"); do
        for c in "${present[@]}"; do wall[$c]+="$(timed "$s" "$c") "; done
    done
    case $s in
        tree) label="mirror 2000 files, 4 conn." ;; tree60) label="mirror 60 files, 4 conn., 50 ms" ;;
        small) label="FTPS 100 files, one session" ;; tree240) label="FTPS mirror 240 files, 4 conn." ;;
    esac
    printf '%-34s' "$label"
    n=$(printf '%s\n' ${wall[native]} | median)
    for c in "${clients[@]}"; do
        if [ -z "${wall[$c]:-}" ]; then printf ' %-13s' "-"; continue; fi
        w=$(printf '%s\n' ${wall[$c]} | median)
        if [ "$c" = native ]; then printf ' %-13s' "${w}s"; else printf ' %-13s' "$(printf '%ss x%.2f' "$w" "$(echo "$w / $n" | bc -l)")"; fi
    done
    printf '\n'
    unset wall
done
printf '(xN: wall time over the native runner'"'"'s with 4 connections; native-1: the native runner with 1 connection)\n'
size=$(stat -c %s "$wasm")
printf 'component: %s bytes (%.1f MiB)' "$size" "$(echo "$size / 1048576" | bc -l)"
[ -n "${BASELINE_WASM:-}" ] && printf ', before: %s bytes' "$(stat -c %s "$BASELINE_WASM")"
printf '\n'
