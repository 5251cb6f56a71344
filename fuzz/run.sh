#!/usr/bin/env bash
# Runs each fuzz target for SECONDS (default 60), two at a time, with the
# seeds of fuzz/corpus/TARGET; new inputs go to fuzz/work/TARGET (not in
# git), crashes to fuzz/artifacts/TARGET. Prints each target's executions.
#
# usage: bash fuzz/run.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(reply_reader parsers listings session)

rustup toolchain list | grep -q nightly || rustup toolchain install nightly --profile minimal
command -v cargo-fuzz >/dev/null || cargo +nightly install cargo-fuzz
cargo +nightly fuzz build

run() {
    local t=$1
    mkdir -p "fuzz/work/$t"
    cargo +nightly fuzz run "$t" "fuzz/work/$t" "fuzz/corpus/$t" -- \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        > "fuzz/work/$t.log" 2>&1 || { echo "$t: FAILED, see fuzz/work/$t.log"; return 1; }
    printf '%-13s %s, %s\n' "$t" \
        "$(grep -m1 'stat::number_of_executed_units' "fuzz/work/$t.log" | awk '{print $2}') executions" \
        "$(grep -m1 'stat::average_exec_per_sec' "fuzz/work/$t.log" | awk '{print $2}')/s"
}

status=0
for ((i = 0; i < ${#targets[@]}; i += 2)); do
    run "${targets[i]}" & a=$!
    if [ $((i + 1)) -lt ${#targets[@]} ]; then run "${targets[i + 1]}" & b=$!; else b=; fi
    wait "$a" || status=1
    [ -z "$b" ] || wait "$b" || status=1
done
exit $status
