# Sourced by the bench scripts.
#
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
