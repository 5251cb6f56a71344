#!/usr/bin/env bash
# Runs every test of the project on a fresh machine: installs what the
# tests need, then checks formatting, lints, tests and the firmware builds.
# Fails loudly on the first thing that is missing or wrong.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

command -v cargo >/dev/null || die "cargo is not installed"
command -v rustup >/dev/null || die "rustup is not installed"

step "toolchain: rustfmt, clippy, thumbv7em-none-eabihf, wasm32-wasip2"
rustup component add rustfmt clippy >/dev/null || die "cannot add rustfmt/clippy"
rustup target add thumbv7em-none-eabihf >/dev/null || die "cannot add target thumbv7em-none-eabihf"
rustup target add wasm32-wasip2 >/dev/null || die "cannot add target wasm32-wasip2"

step "servers and tools for the interop tests"
bash scripts/install-test-deps.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (all targets, all features) -D warnings"
cargo clippy --workspace --all-targets --all-features -- -D warnings

step "the runner for WASI (wasm32-wasip2, release), for the WASI tests"
cargo build -p ftp-script --target wasm32-wasip2 --release

step "the device programs as firmware images for mps2-an386 (release; QEMU runs them in the TAP tests)"
# One package at a time: built together, cargo would unify ftp-device's
# tls feature into the clear images (firmware/Cargo.toml).
for package in firmware-clear firmware-embassy firmware-tls; do
    (cd firmware && cargo build -q --release -p "$package") || die "cannot build the firmware package $package"
done
(cd firmware && cargo fmt --all -- --check) || die "the firmware workspace is not formatted (cargo fmt)"
for package in mps2-an386 firmware-clear firmware-embassy firmware-tls; do
    (cd firmware && cargo clippy -q --release -p "$package" -- -D warnings) || die "clippy: $package"
done

step "tests, the interop ones included (real servers, root, TAP, QEMU, wasmtime)"
cargo test --workspace --features ftp-tests/interop,ftp-script/interop,ftp-examples/interop,ftp-tls/interop

step "ftp-core tests with alloc, log and the async twin"
cargo test -p ftp-core --features alloc,log,async
cargo test -p ftp-core --features alloc,log,async,pipeline

step "ftp-core, ftp-std and ftp-tls docs build without warnings (broken links fail)"
RUSTDOCFLAGS="-D warnings" cargo doc -q -p ftp-core --no-deps --features alloc,log
RUSTDOCFLAGS="-D warnings" cargo doc -q -p ftp-core --no-deps --features alloc,log,smoltcp,async
RUSTDOCFLAGS="-D warnings" cargo doc -q -p ftp-std --no-deps
RUSTDOCFLAGS="-D warnings" cargo doc -q -p ftp-std --no-deps --features tokio
RUSTDOCFLAGS="-D warnings" cargo doc -q -p ftp-tls --no-deps --features async

step "ftp-core for thumbv7em-none-eabihf: default features, defmt, smoltcp with defmt, async, async with defmt"
cargo build -p ftp-core --target thumbv7em-none-eabihf
cargo build -p ftp-core --target thumbv7em-none-eabihf --features defmt
cargo build -p ftp-core --target thumbv7em-none-eabihf --features defmt,smoltcp-ipv6
cargo build -p ftp-core --target thumbv7em-none-eabihf --features async
cargo build -p ftp-core --target thumbv7em-none-eabihf --features async,defmt

step "ftp-embassy for thumbv7em-none-eabihf, with and without defmt"
cargo build -p ftp-embassy --target thumbv7em-none-eabihf
cargo build -p ftp-embassy --target thumbv7em-none-eabihf --features defmt

step "ftp-tls for thumbv7em-none-eabihf (blocking and async), and the FTPS firmware program linked for it"
cargo build -p ftp-tls --target thumbv7em-none-eabihf
cargo build -p ftp-tls --target thumbv7em-none-eabihf --features async
cargo build -q --release --manifest-path bench/size/Cargo.toml --target thumbv7em-none-eabihf \
    --features tls --bin ftp-size-tls

step "the crates package for crates.io (ftp-core-macros, ftp-core, ftp-std, ftp-script)"
# cargo verifies each package against the others through a temporary
# registry and takes a version it built or unpacked before as unchanged:
# a target directory of its own and no unpacked copies of our crates, so
# the check builds today's sources.
rm -rf target/package "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/ftp-*
package_target=$(mktemp -d)
cargo package -q -p ftp-core-macros -p ftp-core -p ftp-std -p ftp-script --allow-dirty \
    --target-dir "$package_target"
rm -rf "$package_target"

step "all tests passed"
