# Sourced by the bench scripts.

die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# need TOOL [PACKAGE]: TOOL on PATH, installed with apt-get (PACKAGE,
# TOOL by default) when it is missing.
need() {
    command -v "$1" >/dev/null && return
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${2:-$1}" >/dev/null \
        || die "cannot install ${2:-$1} with apt-get"
    command -v "$1" >/dev/null || die "$1 is not on PATH after installing ${2:-$1}"
}

# bench_workdir: $base, a new directory on tmpfs, and on exit the servers
# in $vpid and the proxy in $ppid stopped and $base removed.
vpid= ppid=
stop_proxy() {
    if [ -n "$ppid" ]; then kill "$ppid" 2>/dev/null || true; wait "$ppid" 2>/dev/null || true; fi
    ppid=
}
bench_cleanup() {
    stop_proxy
    if [ -n "$vpid" ]; then kill $vpid 2>/dev/null || true; fi
    rm -rf "$base"
}
bench_workdir() {
    base=$(mktemp -d -p /dev/shm)
    trap bench_cleanup EXIT
}

# make_tree ROOT [LISTING]: the benchmarks' tree, 20 directories of 100
# files of 4 KiB of random bytes under ROOT; with LISTING, the files'
# paths (from ROOT's parent) one per line into that file.
make_tree() {
    python3 - "$1" "${2:-}" <<'PY'
import os, sys
root, listing = sys.argv[1], sys.argv[2]
names = []
for d in range(20):
    os.makedirs(f"{root}/dir{d:02}", exist_ok=True)
    for f in range(100):
        with open(f"{root}/dir{d:02}/file{f:03}.bin", "wb") as w:
            w.write(os.urandom(4096))
        names.append(f"{os.path.basename(root)}/dir{d:02}/file{f:03}.bin")
if listing:
    with open(listing, "w") as out:
        out.write("".join(n + "\n" for n in names))
PY
}

# median: the median of the numbers on stdin, one per line.
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# free_port_block N: the first of N ports in a row free on both 127.0.0.1
# (where bench/rttproxy listens) and 127.0.0.2 (where vsftpd listens).
free_port_block() {
    python3 - "$1" <<'PY'
import random, socket, sys
n = int(sys.argv[1])
def free(p):
    for host in ("127.0.0.1", "127.0.0.2"):
        s = socket.socket()
        try:
            s.bind((host, p))
        except OSError:
            return False
        finally:
            s.close()
    return True
for _ in range(1000):
    p = random.randrange(20000, 60000)
    if all(free(q) for q in range(p, p + n)):
        print(p)
        break
PY
}
