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
