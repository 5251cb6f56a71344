#!/usr/bin/env bash
# Mirror benchmark (not a test): a tree of 2000 files of 4 KiB served by a
# local vsftpd (anonymous, loopback), mirrored by ftp-script (release
# build) and by lftp, both with PARALLEL connections (default 4), in the
# same run, turn about. The copies go to the disk ($TMPDIR) and to tmpfs
# (/dev/shm): on a slow disk file creation dominates, on tmpfs the
# protocol does. Prints each tool's best time of RUNS (default 5) and the
# ratio lftp / ftp-script (above 1: ftp-script is faster).
#
# usage: bash bench/mirror.sh [RUNS [PARALLEL]]   (as root: installs vsftpd and lftp)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
parallel=${2:-4}

die() { printf 'error: %s\n' "$*" >&2; exit 1; }
bash scripts/install-test-deps.sh >/dev/null
if ! command -v lftp >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq lftp >/dev/null || die "cannot install lftp"
fi
cargo build -q --release -p ftp-script
bin="$PWD/target/release/ftp-script"

work=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

# The tree: 20 directories of 100 files of 4 KiB.
source bench/tree.sh
make_tree "$work/root/tree"
chmod -R a+rX "$work/root"

source bench/vsftpd.sh
start_vsftpd "$work" "$work/root" write_enable=NO

now() { date +%s.%N; }
best() { sort -n | head -n1; }

# One round on the copies' file system $1: sets $o and $l (best times).
round() {
    local dest ours=() theirs=() t0 t1 t2 i
    dest=$(mktemp -d -p "$1")
    for i in $(seq 1 "$runs"); do
        rm -rf "$dest/a" "$dest/b"; mkdir -p "$dest/a" "$dest/b"
        t0=$(now)
        (cd "$dest/a" && "$bin" --url "ftp://127.0.0.1:$port/" \
            -e 'let s = mirror("tree", "tree", #{ parallel: '"$parallel"' }); if s.failed.len() > 0 || s.files != 2000 { throw `${s}`; }')
        t1=$(now)
        lftp -c "set net:max-retries 1; set cmd:fail-exit yes; open -u anonymous,x -p $port 127.0.0.1; mirror --parallel=$parallel tree $dest/b/tree" >/dev/null
        t2=$(now)
        diff -r "$work/root/tree" "$dest/a/tree" >/dev/null || die "ftp-script's copy differs"
        diff -r "$work/root/tree" "$dest/b/tree" >/dev/null || die "lftp's copy differs"
        ours+=("$(echo "$t1 - $t0" | bc -l)")
        theirs+=("$(echo "$t2 - $t1" | bc -l)")
    done
    rm -rf "$dest"
    o=$(printf '%s\n' "${ours[@]}" | best)
    l=$(printf '%s\n' "${theirs[@]}" | best)
}

printf 'tree: 2000 files x 4 KiB in 20 directories, vsftpd %s on loopback, %s connections each, best of %s\n' \
    "$(dpkg-query -W -f='${Version}' vsftpd 2>/dev/null || echo '?')" "$parallel" "$runs"
printf 'lftp %s, ftp-script %s (release)\n' "$(lftp --version | head -n1 | awk '{print $4}')" \
    "$(git describe --always --dirty 2>/dev/null || echo '?')"
for fs in "${TMPDIR:-/tmp}" /dev/shm; do
    [ -d "$fs" ] || continue
    round "$fs"
    printf '%-10s ftp-script %6.3f s   lftp %6.3f s   ratio lftp/ftp-script %.2f\n' \
        "$fs" "$o" "$l" "$(echo "$l / $o" | bc -l)"
done
