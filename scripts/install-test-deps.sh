#!/usr/bin/env bash
# Installs the real servers the interop tests start: pyftpdlib (pip).
# Idempotent; fails loudly when something cannot be installed.
set -euo pipefail

die() { printf 'error: %s\n' "$*" >&2; exit 1; }

command -v python3 >/dev/null || die "python3 is not installed"
if ! python3 -c 'import pyftpdlib' 2>/dev/null; then
    python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore pyftpdlib \
        || die "cannot install pyftpdlib with pip"
fi
python3 -c 'import pyftpdlib' || die "pyftpdlib is not importable after install"
