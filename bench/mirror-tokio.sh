#!/usr/bin/env bash
# The tokio mirror against the threaded one and lftp (not a test): the
# tree of 2000 files of 4 KiB in 20 directories, served by a local vsftpd
# (anonymous, loopback), mirrored to tmpfs with 4 and with 16
# connections. The mirror example (examples/src/bin/mirror.rs, release)
# runs the blocking mirror (a thread per connection) and, with --tokio,
# the tokio one (every connection a future of one task, current-thread
# runtime). Each client runs RUNS times (default 5) after a warm-up,
# interleaved; the table gives medians of wall time, CPU (user+sys) and
# peak RSS, and the tokio mirror's wall time over each other's. Every
# copy is checked against the source.
#
# usage: bash bench/mirror-tokio.sh [RUNS]   (as root: installs vsftpd and lftp)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

bash scripts/install-test-deps.sh >/dev/null
command -v lftp >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq lftp >/dev/null || die "cannot install lftp"
[ -x /usr/bin/time ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >/dev/null || die "cannot install time"
cargo build -q --release -p ftp-examples --bin mirror
bin="$PWD/target/release/mirror"

base=$(mktemp -d -p /dev/shm)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$base"; }
trap cleanup EXIT
source bench/tree.sh
make_tree "$base/root/tree"
chmod -R a+rX "$base/root"
mkdir -p "$base/out"

source bench/vsftpd.sh
start_vsftpd "$base" "$base/root" write_enable=NO
url="ftp://127.0.0.1:$port/tree"

declare -A cmd
for n in 4 16; do
    cmd[tokio,$n]="$bin $url tree --parallel $n --tokio"
    cmd[threads,$n]="$bin $url tree --parallel $n"
    cmd[lftp,$n]="lftp -c 'set net:max-retries 1; set cmd:fail-exit yes; open -u anonymous,x -p $port 127.0.0.1; mirror --parallel=$n tree tree'"
done

# One timed run: prints "wall cpu rss_kib".
timed() { # client connections
    local out="$base/out/$1-$2"
    rm -rf "$out"; mkdir -p "$out"
    ( cd "$out" && /usr/bin/time -f '%e %U %S %M' -o "$base/time" bash -c "${cmd[$1,$2]}" >/dev/null 2>"$base/err" ) \
        || { cat "$base/err" >&2; die "$1 with $2 connections failed"; }
    diff -r "$base/root/tree" "$out/tree" >/dev/null || die "$1 ($2): the copy differs"
    rm -rf "$out"
    awk '{ printf "%.3f %.3f %d\n", $1, $2 + $3, $4 }' "$base/time"
}

clients=(tokio threads lftp)
printf '%s, %s, vsftpd %s, lftp %s, loopback, copies on tmpfs; medians of %s runs after a warm-up\n' \
    "$(date -u +%Y-%m-%d)" "$(nproc) cores $(uname -m)" "$(dpkg-query -W -f='${Version}' vsftpd)" \
    "$(lftp --version | head -n1 | awk '{print $4}')" "$runs"
printf '%-22s' "mirror 2000 x 4 KiB"; for c in "${clients[@]}"; do printf ' %-24s' "$c"; done; printf '\n'
for n in 4 16; do
    declare -A wall=() cpu=() rss=()
    for c in "${clients[@]}"; do timed "$c" "$n" >/dev/null; done   # warm-up
    for _ in $(seq 1 "$runs"); do
        for c in "${clients[@]}"; do
            read -r w u r < <(timed "$c" "$n")
            wall[$c]+="$w "; cpu[$c]+="$u "; rss[$c]+="$r "
        done
    done
    printf '%-22s' "$n connections"
    ours=$(printf '%s\n' ${wall[tokio]} | median)
    for c in "${clients[@]}"; do
        w=$(printf '%s\n' ${wall[$c]} | median)
        u=$(printf '%s\n' ${cpu[$c]} | median)
        r=$(printf '%s\n' ${rss[$c]} | median)
        if [ "$c" = tokio ]; then
            printf ' %-24s' "$(printf '%.2fs %.2fc %.1fM' "$w" "$u" "$(echo "$r / 1024" | bc -l)")"
        else
            printf ' %-24s' "$(printf '%.2fs %.2fc %.1fM x%.2f' "$w" "$u" "$(echo "$r / 1024" | bc -l)" "$(echo "$ours / $w" | bc -l)")"
        fi
    done
    printf '\n'
    unset wall cpu rss
done
printf '(s: wall seconds, c: CPU seconds, M: peak RSS MiB, xN: tokio wall / that client wall; below 1 is faster)\n'
