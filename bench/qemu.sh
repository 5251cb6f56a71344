#!/usr/bin/env bash
# The device programs as firmware on the emulated mps2-an386 (not a
# test): for each image (smoltcp, embassy, smoltcp-tls, embassy-tls) its
# flash, its static RAM (.data + .bss, rustls's heap region included for
# the FTPS ones), the stack's high-water mark (painted at boot, read at
# exit), the heap's peak (FTPS), what is left of the declared budget
# (256 KiB flash / 64 KiB RAM clear, 1 MiB / 192 KiB FTPS), and the
# download throughput of a 4 MiB file from pyftpdlib over TAP, under
# `-icount shift=N,align=off` (device-like timing: 2^N ns an instruction;
# default N=5, about 31 MIPS) and without it, RUNS runs each (default 3),
# medians. QEMU's timings are not a device's; its sizes are. As root.
#
# usage: bash bench/qemu.sh [RUNS] [ICOUNT_SHIFT]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
shift_n=${2:-5}
[ "$(id -u)" = 0 ] || { echo "error: needs root (network namespace, TAP device)" >&2; exit 1; }
bash scripts/install-test-deps.sh >/dev/null
command -v openssl >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl >/dev/null
for package in firmware-clear firmware-embassy firmware-tls; do
    (cd firmware && cargo build -q --release -p "$package")
done
ns=ftprs-qemu-$$
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

run() { # image icount -> the program's output in $work/$1.txt
    local at=$port extra=()
    case $1 in *tls*) at=$tls_port; extra=("$work/ca.pem") ;; esac
    rm -f "$work/out"
    QEMU_ICOUNT=$2 ip netns exec "$ns" bash scripts/qemu-device.sh "$1" tap0 "192.0.2.1:$at" tester pw \
        pub firmware.bin "$work/out" "$work/device.log" device.log "${extra[@]}" > "$work/$1.txt"
    cmp -s "$work/out" "$work/root/pub/firmware.bin" || { echo "error: $1: the download differs" >&2; exit 1; }
}
speed() { grep -o '([0-9]* kB/s)' "$work/$1.txt" | tr -d '(' | awk '{printf "%.2f\n", $1 / 1000}'; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
images=(smoltcp embassy smoltcp-tls embassy-tls)
declare -A fast slow stack heap
for _ in $(seq 1 "$runs"); do
    for image in "${images[@]}"; do
        run "$image" ""
        fast[$image]+="$(speed "$image") "
        stack[$image]=$(grep -o 'stack: at most [0-9]*' "$work/$image.txt" | awk '{print $4}')
        heap[$image]=$(grep -o 'heap: at most [0-9]*' "$work/$image.txt" | awk '{print $4}' || true)
        run "$image" "$shift_n"
        slow[$image]+="$(speed "$image") "
    done
done
printf '%s, mps2-an386 (Cortex-M4F) in QEMU %s, 4 MiB from pyftpdlib over TAP, release images, medians of %s runs\n' \
    "$(date -u +%Y-%m-%d)" "$(qemu-system-arm --version | head -n1 | awk '{print $4}')" "$runs"
printf '  %-12s %8s %8s %7s %7s %9s %9s %10s %10s\n' image flash ram stack heap flash-left ram-left "MB/s" "MB/s icnt"
for image in "${images[@]}"; do
    elf=firmware/target/thumbv7em-none-eabihf/release/$image
    flash=$(size -A "$elf" | awk '$1 == ".text" || $1 == ".rodata" || $1 == ".data" || $1 == ".vector_table" { s += $2 } END { print s }')
    ram=$(size -A "$elf" | awk '$1 == ".data" || $1 == ".bss" || $1 == ".uninit" { s += $2 } END { print s }')
    case $image in *tls*) budget_flash=$((1024 * 1024)) budget_ram=$((192 * 1024)) ;;
                   *) budget_flash=$((256 * 1024)) budget_ram=$((64 * 1024)) ;; esac
    printf '  %-12s %8d %8d %7d %7s %9d %9d %10s %10s\n' "$image" "$flash" "$ram" "${stack[$image]}" \
        "${heap[$image]:--}" $((budget_flash - flash)) $((budget_ram - ram - stack[$image])) \
        "$(printf '%s\n' ${fast[$image]} | median)" "$(printf '%s\n' ${slow[$image]} | median)"
done
echo "  (ram: .data + .bss, the FTPS images' 64 KiB heap region included; ram-left: the budget less ram and the stack's high-water mark)"
