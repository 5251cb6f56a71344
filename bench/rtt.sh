#!/usr/bin/env bash
# Round-trip benchmark (not a test): ftp-script against suppaftp, lftp,
# curl and Python's ftplib where users are, at a round-trip time, not on
# loopback. vsftpd 3 listens on 127.0.0.2; bench/rttproxy forwards
# 127.0.0.1 (its control port and its passive range) to it with half the
# round trip added in each direction (the kernel has no netem), and, for
# the 100 MiB row, at most 200 Mbit/s per connection and direction.
# Scenarios: 40 files of 4 KiB over one session (also over FTPS), a mirror of 60 files
# with 4 connections, RETR of 100 MiB (with lftp's `pget -n 4` beside the
# single streams, and ours with 4 segments). Each client runs RUNS times after a warm-up,
# interleaved; the table shows medians of wall time and our ratio to each
# peer; every download is checked against its source. For the one-session
# row the round trips per file are counted from the proxy's trace (the
# client's flights on the control connection, and a handshake for each
# data connection) next to wall / (files x RTT).
#
# usage: bash bench/rtt.sh [RUNS] [RTT_MS...]    (as root; default 3 runs, 0 10 50 ms)
#        SCENARIOS="one mirror" bash bench/rtt.sh ...  (only those rows: one mirror big one-tls)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
shift || true
rtts=("$@")
[ ${#rtts[@]} -gt 0 ] || rtts=(0 10 50)
source bench/tree.sh

bash scripts/install-test-deps.sh >/dev/null
need lftp
need curl
need openssl
cargo build -q --release -p ftp-script
cargo build -q --release --manifest-path bench/suppaftp/Cargo.toml
cargo build -q --release --manifest-path bench/rttproxy/Cargo.toml
ours="$PWD/target/release/ftp-script"
supp="$PWD/bench/suppaftp/target/release/suppaftp-bench"
proxy_bin="$PWD/bench/rttproxy/target/release/rttproxy"

bench_workdir
root="$base/root"
mkdir -p "$root" "$base/out"
head -c $((100 << 20)) /dev/urandom > "$root/big.bin"
python3 - "$root" "$base" <<'PY'
import os, sys
root, base = sys.argv[1], sys.argv[2]
one, tree = [], []
os.makedirs(f"{root}/one", exist_ok=True)
for f in range(40):
    with open(f"{root}/one/f{f:02}.bin", "wb") as w:
        w.write(os.urandom(4096))
    one.append(f"one/f{f:02}.bin")
for d in range(3):
    os.makedirs(f"{root}/tree/d{d}", exist_ok=True)
    for f in range(20):
        with open(f"{root}/tree/d{d}/f{f:02}.bin", "wb") as w:
            w.write(os.urandom(4096))
        tree.append(f"tree/d{d}/f{f:02}.bin")
open(f"{base}/one.list", "w").write("".join(p + "\n" for p in one))
open(f"{base}/tree.list", "w").write("".join(p + "\n" for p in tree))
PY
chmod -R a+rX "$root"

# Ports free on both 127.0.0.1 (the proxy) and 127.0.0.2 (vsftpd): the
# control port and 40 passive ports above it, then the same for vsftpd
# over explicit FTPS (42 above).
port=$(free_port_block 84)
[ -n "$port" ] || die "no 84 free ports in a row on 127.0.0.1 and 127.0.0.2"
pasv=$((port + 1))
mkdir -p /var/run/vsftpd/empty
tls_port=$((port + 42))
tls_pasv=$((tls_port + 1))
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$base/key.pem" -out "$base/cert.pem" \
    -days 2 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null \
    || die "openssl cannot make a certificate"
ca="$base/cert.pem"
# vsftpd_conf PORT PASV: the configuration of one vsftpd.
vsftpd_conf() {
cat <<CONF
listen=YES
listen_address=127.0.0.2
listen_port=$1
background=NO
anonymous_enable=YES
anon_root=$root
no_anon_password=YES
local_enable=NO
pasv_enable=YES
pasv_min_port=$2
pasv_max_port=$(($2 + 40))
pasv_address=127.0.0.1
seccomp_sandbox=NO
isolate_network=NO
secure_chroot_dir=/var/run/vsftpd/empty
xferlog_enable=NO
max_per_ip=0
max_clients=0
CONF
}
vsftpd_conf "$port" "$pasv" > "$base/vsftpd.conf"
{ vsftpd_conf "$tls_port" "$tls_pasv"; printf '%s\n' ssl_enable=YES allow_anon_ssl=YES \
    force_anon_data_ssl=YES force_anon_logins_ssl=YES require_ssl_reuse=YES ssl_ciphers=HIGH \
    "rsa_cert_file=$ca" "rsa_private_key_file=$base/key.pem"; } > "$base/vsftpd-tls.conf"
/usr/sbin/vsftpd "$base/vsftpd.conf" &
vpid=$!
/usr/sbin/vsftpd "$base/vsftpd-tls.conf" &
vpid="$vpid $!"

# start_proxy RTT_MS [RATE_MBIT]: the proxy in front of vsftpd.
start_proxy() {
    stop_proxy
    local half rate=()
    half=$(echo "$1 / 2" | bc -l)
    [ -n "${2:-}" ] && rate=(--rate-mbit "$2")
    rm -f "$base/trace"
    "$proxy_bin" 127.0.0.1 127.0.0.2 "$port,$pasv-$((pasv + 40)),$tls_port,$tls_pasv-$((tls_pasv + 40))" \
        "$half" "${rate[@]}" \
        --trace "$base/trace" > "$base/ready" &
    ppid=$!
    for _ in $(seq 1 100); do
        grep -q ready "$base/ready" 2>/dev/null && return 0
        sleep 0.05
    done
    die "the proxy did not start"
}

url="ftp://127.0.0.1:$port"
lftp_open="set net:max-retries 1; set cmd:fail-exit yes; open -u anonymous,x -p $port 127.0.0.1"
py_one="import ftplib,os; f=ftplib.FTP(); f.connect('127.0.0.1',$port); f.login()
os.makedirs('one', exist_ok=True)
for p in open('$base/one.list').read().split():
    o=open(p,'wb'); f.retrbinary('RETR '+p, o.write); o.close()
f.quit()"
py_big="import ftplib; f=ftplib.FTP(); f.connect('127.0.0.1',$port); f.login(); o=open('big.bin','wb'); f.retrbinary('RETR big.bin', o.write, 65536); o.close(); f.quit()"
awk -v u="$url" '{ printf "url = \"%s/%s\"\noutput = \"%s\"\n", u, $0, $0 }' "$base/one.list" > "$base/curl.cfg"
our_one='for i in 0..40 { let p = `one/f${if i < 10 { "0" } else { "" }}${i}.bin`; retr(p, p); }'

declare -A cmd
cmd[one,ftp-script]="mkdir one && $ours --url $url/ -e '$our_one'"
cmd[one,suppaftp]="$supp many 127.0.0.1 $port $base/one.list ."
cmd[one,lftp]="lftp -c '$lftp_open; mirror --parallel=1 one one'"
cmd[one,curl]="curl -s --create-dirs -K $base/curl.cfg"
cmd[one,ftplib]="python3 -c \"$py_one\""
# The one-session row over explicit FTPS: each data connection's TLS
# handshake resumes the control connection's session.
tls_url="ftp://127.0.0.1:$tls_port"
cmd[one-tls,ftp-script]="mkdir one && $ours --tls --cacert $ca --url $tls_url/ -e '$our_one'"
cmd[one-tls,lftp]="lftp -c 'set ftp:ssl-force true; set ftp:ssl-protect-data true; set ssl:ca-file $ca; set net:max-retries 1; open -u anonymous,x -p $tls_port 127.0.0.1; mirror --parallel=1 one one'"
cmd[one-tls,curl]="curl -s --ssl-reqd --cacert $ca --create-dirs -K $base/curl-tls.cfg"
awk -v u="$tls_url" '{ printf "url = \"%s/%s\"\noutput = \"%s\"\n", u, $0, $0 }' "$base/one.list" > "$base/curl-tls.cfg"
cmd[mirror,ftp-script]="$ours --url $url/ -e 'let s = mirror(\"tree\", \"tree\", #{ parallel: 4 }); if s.files != 60 { throw s; }'"
cmd[mirror,suppaftp]="$supp mirror 127.0.0.1 $port $base/tree.list . 4"
cmd[mirror,lftp]="lftp -c '$lftp_open; mirror --parallel=4 tree tree'"
cmd[big,ftp-script]="$ours --url $url/ -e 'retr(\"big.bin\");'"
cmd[big,ftp-script-seg4]="$ours --url $url/ -e 'retr(\"big.bin\", \"big.bin\", #{ segments: 4 });'"
cmd[big,suppaftp]="$supp retr 127.0.0.1 $port big.bin big.bin"
cmd[big,curl]="curl -s -o big.bin $url/big.bin"
cmd[big,lftp]="lftp -c '$lftp_open; get big.bin'"
cmd[big,lftp-pget4]="lftp -c '$lftp_open; pget -n 4 big.bin'"
cmd[big,ftplib]="python3 -c \"$py_big\""

# BASELINE=path/to/an/older/ftp-script: that build too, as "before",
# interleaved with today's (a refactoring's before and after in one run).
if [ -n "${BASELINE:-}" ]; then
    [ -x "$BASELINE" ] || die "BASELINE=$BASELINE is not an executable"
    for s in one one-tls mirror big; do
        cmd[$s,before]="${cmd[$s,ftp-script]//$ours/$BASELINE}"
    done
fi

check() { # scenario dir
    case $1 in
        one|one-tls) diff -r "$root/one" "$2/one" >/dev/null || die "$1: the copies in $2 differ" ;;
        mirror) diff -r "$root/tree" "$2/tree" >/dev/null || die "$1: the tree in $2 differs" ;;
        big) cmp -s "$root/big.bin" "$2/big.bin" || die "$1: the copy in $2 differs" ;;
    esac
}

# One timed run: prints the wall seconds.
timed() { # scenario client
    local out="$base/out/$1-$2" start end
    rm -rf "$out"; mkdir -p "$out"
    start=$(date +%s.%N)
    ( cd "$out" && bash -c "${cmd[$1,$2]}" >/dev/null 2>"$base/err" ) \
        || { cat "$base/err" >&2; die "$1 with $2 failed"; }
    end=$(date +%s.%N)
    check "$1" "$out"
    rm -rf "$out"
    echo "$end - $start" | bc -l
}

# Round trips per file from the trace of one run: the client's flights on
# the control connection (sends after the server last spoke), plus one
# handshake for each data connection, over the files.
trips() { # files
    python3 - "$base/trace" "$1" <<'PY'
import sys
events = [l.split() for l in open(sys.argv[1])]
control = events[0][1] if events else None
flights, last, opens = 0, "s>c", 0
for ev in events:
    conn, what = ev[1], ev[2]
    if what == "open" and conn != control:
        opens += 1
    if conn != control or what not in ("c>s", "s>c"):
        continue
    if what == "c>s" and last == "s>c":
        flights += 1
    last = what
print(f"{(flights + opens) / int(sys.argv[2]):.1f}")
PY
}

clients_of() { # scenario
    [ -n "${BASELINE:-}" ] && printf 'before '
    case $1 in
        one) echo ftp-script suppaftp lftp curl ftplib ;;
        # ftplib cannot: it does not resume the TLS session on data
        # connections, which vsftpd requires by default.
        one-tls) echo ftp-script lftp curl ;;
        mirror) echo ftp-script suppaftp lftp ;;
        big) echo ftp-script ftp-script-seg4 suppaftp curl lftp lftp-pget4 ftplib ;;
    esac
}

printf '%s, %s, vsftpd %s through bench/rttproxy; medians of %s runs after a warm-up\n' \
    "$(date -u +%Y-%m-%d)" "$(nproc) cores $(uname -m)" "$(dpkg-query -W -f='${Version}' vsftpd)" "$runs"
last=${rtts[$((${#rtts[@]} - 1))]}
for rtt in "${rtts[@]}"; do
    for scenario in ${SCENARIOS:-one mirror big one-tls}; do
        # The 100 MiB and FTPS rows at the longest round trip only (the
        # 100 MiB one capped).
        if [ "$scenario" = one-tls ]; then
            [ "$rtt" = "$last" ] || continue
            start_proxy "$rtt"
            label="40 files over FTPS, one session, ${rtt} ms"
        elif [ "$scenario" = big ]; then
            [ "$rtt" = "$last" ] || continue
            start_proxy "$rtt" 200
            label="RETR 100 MiB, ${rtt} ms, 200 Mbit/s"
        else
            start_proxy "$rtt"
            case $scenario in
                one) label="40 files, one session, ${rtt} ms" ;;
                mirror) label="mirror 60 files, 4 conn., ${rtt} ms" ;;
            esac
        fi
        read -ra clients < <(clients_of "$scenario")
        declare -A wall=()
        for c in "${clients[@]}"; do timed "$scenario" "$c" >/dev/null; done   # warm-up
        for _ in $(seq 1 "$runs"); do
            for c in "${clients[@]}"; do wall[$c]+="$(timed "$scenario" "$c") "; done
        done
        ours_wall=$(printf '%s\n' ${wall[ftp-script]} | median)
        printf '%-40s' "$label"
        for c in "${clients[@]}"; do
            w=$(printf '%s\n' ${wall[$c]} | median)
            if [ "$c" = ftp-script ]; then
                printf ' %s %.2fs' "$c" "$w"
            else
                printf ' | %s %.2fs x%.2f' "$c" "$w" "$(echo "$ours_wall / $w" | bc -l)"
            fi
        done
        printf '\n'
        if [[ $scenario == one* ]] && [ "$rtt" != 0 ]; then
            printf '%-40s' "  round trips per file (trace; wall)"
            for c in "${clients[@]}"; do
                start_proxy "$rtt"
                w=$(timed "$scenario" "$c")
                stop_proxy
                printf ' %s %s; %.1f' "$c" "$(trips 40)" "$(echo "$w * 1000 / (40 * $rtt)" | bc -l)"
            done
            printf '\n'
        fi
        unset wall
    done
done
printf '(xN: ftp-script wall / that client wall; below 1 is faster; ftplib is left out of the FTPS row: it does not resume TLS sessions on data connections, which vsftpd requires)\n'
