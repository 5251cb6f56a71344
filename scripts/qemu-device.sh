#!/usr/bin/env bash
# The device programs as firmware on an emulated mps2-an386 (Cortex-M4F,
# LAN9118), with the device contract of firmware_tap:
#
#   scripts/qemu-device.sh PROGRAM TAP SERVER_IP:PORT USER PASSWORD DIR FILE OUT LOG REMOTE_LOG [CA_FILE]
#
# PROGRAM: smoltcp (the blocking program over smoltcp), embassy (the
# async program on embassy-net), smoltcp-tls and embassy-tls (the same
# over explicit FTPS: CA_FILE verifies the server). Builds the image
# (release) when needed, boots it in QEMU attached to the TAP device TAP
# of the current network namespace (the device is 192.0.2.2/24, its
# gateway 192.0.2.1), passes the arguments by semihosting (OUT and LOG
# are host files), and exits with the firmware's status. QEMU is never
# left running: the firmware's own waits end at its 10 s timeout and its
# downloads at a 60 s deadline, and QEMU is killed after 120 s.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
die() { printf 'error: %s\n' "$*" >&2; exit 2; }

[ $# -ge 10 ] || die "usage: qemu-device.sh PROGRAM TAP SERVER_IP:PORT USER PASSWORD DIR FILE OUT LOG REMOTE_LOG [CA_FILE]"
program=$1 tap=$2
shift 2
case "$program" in
    smoltcp | overflow) crate=clear ;;
    embassy) crate=embassy ;;
    smoltcp-tls | embassy-tls) crate=tls ;;
    *) die "unknown program $program (smoltcp, embassy, smoltcp-tls, embassy-tls; overflow, a test image)" ;;
esac
command -v qemu-system-arm >/dev/null || die "qemu-system-arm is missing (apt-get install qemu-system-arm)"
# Semihosting joins the arguments with spaces and QEMU splits its options
# at commas: each argument goes percent-encoded (%, space, comma), and
# the firmware decodes it.
encode() {
    local s=${1//%/%25}
    s=${s// /%20}
    printf '%s' "${s//,/%2C}"
}
image="$here/firmware/target/thumbv7em-none-eabihf/release/$program"
(cd "$here/firmware" && cargo build -q --release -p "firmware-$crate" --bin "$program") \
    || die "cannot build the $program image"
semihosting="enable=on,target=native,arg=$program"
for arg in "$@"; do
    semihosting="$semihosting,arg=$(encode "$arg")"
done
# A core that locks up (a fault while taking a fault: the stack ran off
# the start of RAM) makes QEMU print a register dump and abort: said in
# one line instead; the firmware's own stderr passes through.
status=0
exec 3>&2
# QEMU_ICOUNT=N (bench/qemu.sh): `-icount shift=N,align=off`, a virtual
# clock of 2^N ns an instruction, for device-like timings.
icount=()
[ -n "${QEMU_ICOUNT:-}" ] && icount=(-icount "shift=$QEMU_ICOUNT,align=off")
{ timeout -k 5 120 qemu-system-arm -M mps2-an386 -nographic -monitor none -serial none "${icount[@]}" \
    -semihosting-config "$semihosting" \
    -nic "tap,ifname=$tap,script=no,downscript=no,model=lan9118" \
    -kernel "$image" 2> >(awk '
        /^qemu: fatal: Lockup/ { print "error: the firmware locked up (a fault while taking a fault: a stack overflow)"; dump = 1; next }
        dump { next }
        /^qemu-system-arm: warning: nic .* has no peer/ { next }
        { print }' >&3); } 2>/dev/null || status=$?
wait
case $status in
    124) echo "error: the firmware did not end within 120 s" >&2 ;;
esac
exit "$status"
