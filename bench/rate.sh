#!/usr/bin/env bash
# Rate limits (not a test): ftp-script --limit-rate against curl
# --limit-rate, the same 20 MiB download from vsftpd (127.0.0.2, data on
# tmpfs) at 2M, interleaved, RUNS times (default 3), and ftp-script's
# upload at 2M. A sampler reads the local file's size every 50 ms; printed
# are the medians of: the wall time, the average rate against the limit,
# the worst and best average over any 2 s window (the goal: within 5 %),
# and the most bytes that arrived in one 50 ms sample (a burst). A
# mirror's total (4 connections, 8 MiB, 2M) ends the run.
#
# usage: bash bench/rate.sh [RUNS]   (as root)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
source bench/tree.sh

bash scripts/install-test-deps.sh >/dev/null
need curl
cargo build -q --release -p ftp-script
native="${CARGO_TARGET_DIR:-$PWD/target}/release/ftp-script"

bench_workdir
root="$base/root"
mkdir -p "$root/up" "$root/tree" "$base/out"
head -c $((20 << 20)) /dev/urandom > "$root/big.bin"
for i in $(seq 0 7); do head -c $((1 << 20)) /dev/urandom > "$root/tree/f$i.bin"; done
chmod -R a+rX "$root"; chmod 755 "$root"; chmod 777 "$root/up"
port=$(free_port_block 42)
[ -n "$port" ] || die "no 42 free ports in a row"
mkdir -p /var/run/vsftpd/empty
printf '%s\n' listen=YES listen_address=127.0.0.2 "listen_port=$port" background=NO \
    anonymous_enable=YES "anon_root=$root" no_anon_password=YES local_enable=NO \
    write_enable=YES anon_upload_enable=YES anon_mkdir_write_enable=YES anon_umask=022 \
    pasv_enable=YES "pasv_min_port=$((port + 1))" "pasv_max_port=$((port + 40))" \
    seccomp_sandbox=NO isolate_network=NO secure_chroot_dir=/var/run/vsftpd/empty \
    xferlog_enable=NO max_per_ip=0 max_clients=0 > "$base/vsftpd.conf"
/usr/sbin/vsftpd "$base/vsftpd.conf" &
vpid=$!
sleep 0.5
url="ftp://127.0.0.2:$port"
limit=$((2 << 20))

# sampled FILE... -- COMMAND: runs COMMAND while sampling the size of the
# first FILE that exists every 50 ms; prints "wall avg_ratio worst best burst".
sampled() {
    local files=()
    while [ "$1" != -- ]; do files+=("$1"); shift; done
    shift
    python3 - "$limit" "$@" -- "${files[@]}" <<'PY'
import os, subprocess, sys, time
limit = int(sys.argv[1])
cut = sys.argv.index("--")
cmd, files = sys.argv[2:cut], sys.argv[cut + 1:]
def size():
    for f in files:
        try:
            return os.path.getsize(f)
        except OSError:
            pass
    return 0
start = time.monotonic()
p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
samples = [(0.0, 0)]
while p.poll() is None:
    time.sleep(0.05)
    samples.append((time.monotonic() - start, size()))
wall = time.monotonic() - start
if p.returncode != 0:
    sys.exit("the command failed: " + p.stderr.read().decode())
samples.append((wall, size()))
total = samples[-1][1]
# Windows of 2 s, from each sample to the first one 2 s later, leaving
# out the first and last half second (connection set-up and the end).
rates = []
for i, (t0, b0) in enumerate(samples):
    if t0 < 0.5:
        continue
    for t1, b1 in samples[i:]:
        if t1 - t0 >= 2.0:
            if t1 <= wall - 0.5:
                rates.append((b1 - b0) / (t1 - t0) / limit)
            break
burst = max(b1 - b0 for (_, b0), (_, b1) in zip(samples, samples[1:]))
print(f"{wall:.2f} {total / wall / limit:.3f} {min(rates):.3f} {max(rates):.3f} {burst}")
PY
}

declare -A rows
for r in $(seq 1 "$runs"); do
    for client in ftp-script curl; do
        out="$base/out/$client"
        rm -rf "$out"; mkdir -p "$out"
        case $client in
            ftp-script) line=$(cd "$out" && sampled big.bin big.bin.part -- "$native" --limit-rate 2M \
                --url "$url/" -e 'retr("big.bin")') ;;
            curl) line=$(cd "$out" && sampled big.bin -- curl -s --limit-rate 2M -o big.bin "$url/big.bin") ;;
        esac
        cmp -s "$root/big.bin" "$out/big.bin" || die "$client: the copy differs"
        rows[down,$client]+="$line"$'\n'
    done
    rm -f "$root/up/big.bin"
    line=$(cd "$root" && sampled "$root/up/big.bin" "$root/up/.big.bin.part" -- "$native" --limit-rate 2M \
        --url "$url/" -e 'stor("big.bin", "up/big.bin", #{atomic: false})')
    cmp -s "$root/big.bin" "$root/up/big.bin" || die "upload: the copy differs"
    rows[up,ftp-script]+="$line"$'\n'
done

col() { awk -v c="$1" 'NF { print $c }' | median; }
printf '%-32s %8s %8s %8s %8s %10s\n' "20 MiB at 2 MiB/s (medians of $runs)" wall avg worst2s best2s burst
for key in down,ftp-script down,curl up,ftp-script; do
    data=${rows[$key]}
    printf '%-32s %8s %8s %8s %8s %10s\n' "${key/,/ }" \
        "$(col 1 <<<"$data")" "$(col 2 <<<"$data")" "$(col 3 <<<"$data")" \
        "$(col 4 <<<"$data")" "$(col 5 <<<"$data")"
done
rm -rf "$base/out/mirror"; mkdir -p "$base/out/mirror"
start=$(date +%s.%N)
(cd "$base/out/mirror" && "$native" --url "$url/" -e \
    'let s = mirror("tree", "tree", #{parallel: 4, rate: "2M"}); if s.files != 8 { throw s; }')
echo "mirror 8 MiB, 4 connections, rate 2M: $(echo "$(date +%s.%N) - $start" | bc -l | cut -c1-5) s (4 s at the limit)"
