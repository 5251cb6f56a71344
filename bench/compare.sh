#!/usr/bin/env bash
# Side-by-side benchmark (not a test): ftp-script against curl, lftp,
# Python's ftplib and the suppaftp crate, on loopback, vsftpd 3 as server,
# data on tmpfs. Scenarios: RETR 1 GiB, STOR 100 MiB, 2000 files of 4 KiB
# over one session, a mirror of those files with 4 connections, and RETR
# 1 GiB and STOR 100 MiB over explicit FTPS (PROT P). Each
# client runs RUNS times (default 3) after a warm-up, interleaved; the
# table shows medians of wall time, CPU (user+sys) and peak RSS, and our
# ratio to each peer. Every download is checked against its source.
#
# usage: bash bench/compare.sh [RUNS]    (as root)
#        SCENARIOS="retr-tls mirror" bash bench/compare.sh   (only those rows: retr stor many mirror retr-tls stor-tls)
#        BASELINE=/tmp/old/ftp-script bash bench/compare.sh   (an older build beside today's, as "before")
#        BASELINE_FETCH=/tmp/old/fetch bash bench/compare.sh   (the same for the tokio rows, as "tokio-before")
# The FTPS rows also run ftp-std's tokio session (the fetch example with
# --tokio, release), as "tokio".
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
source bench/tree.sh

bash scripts/install-test-deps.sh >/dev/null
need lftp
need curl
need openssl
cargo build -q --release -p ftp-script
cargo build -q --release -p ftp-examples --bin fetch
fetch="$PWD/target/release/fetch"
cargo build -q --release --manifest-path bench/suppaftp/Cargo.toml
ours="$PWD/target/release/ftp-script"
supp="$PWD/bench/suppaftp/target/release/suppaftp-bench"

base=$(mktemp -d -p /dev/shm)
pid=
cleanup() { [ -n "$pid" ] && kill $pid 2>/dev/null; rm -rf "$base"; }
trap cleanup EXIT
root="$base/root"
mkdir -p "$root/up" "$base/out"
head -c $((1 << 30)) /dev/urandom > "$root/big.bin"
head -c $((100 << 20)) /dev/urandom > "$base/up100m.bin"
make_tree "$root/tree" "$base/list"
chmod -R a+rX "$root"
chown ftp "$root/up" 2>/dev/null || chmod 777 "$root/up"

source bench/vsftpd.sh
start_vsftpd "$base" "$root" write_enable=YES anon_upload_enable=YES \
    anon_other_write_enable=YES anon_umask=022
url="ftp://127.0.0.1:$port"
vsftpd_pid=$pid
# The same server over explicit FTPS (TLS on control and data, the data
# connections resuming the control's session), a certificate of our own.
mkdir -p "$base/tls"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$base/tls/key.pem" -out "$base/tls/cert.pem" \
    -days 2 -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" 2>/dev/null \
    || die "openssl cannot make a certificate"
ca="$base/tls/cert.pem"
start_vsftpd "$base/tls" "$root" write_enable=YES anon_upload_enable=YES \
    anon_other_write_enable=YES anon_umask=022 ssl_enable=YES allow_anon_ssl=YES \
    force_anon_data_ssl=YES force_anon_logins_ssl=YES require_ssl_reuse=YES ssl_ciphers=HIGH \
    "rsa_cert_file=$ca" "rsa_private_key_file=$base/tls/key.pem"
tls_port=$port
tls_pid=$pid
pid="$vsftpd_pid $tls_pid"
port=$(grep listen_port "$base/vsftpd.conf" | cut -d= -f2)
tls_url="ftp://127.0.0.1:$tls_port"

# The clients, per scenario: each command runs in $out (an empty dir).
py_retr="import ftplib,sys; f=ftplib.FTP(); f.connect('127.0.0.1',$port); f.login(); o=open('big.bin','wb'); f.retrbinary('RETR big.bin', o.write, 65536); o.close(); f.quit()"
py_stor="import ftplib; f=ftplib.FTP(); f.connect('127.0.0.1',$port); f.login(); f.storbinary('STOR up/py.bin', open('$base/up100m.bin','rb'), 65536); f.quit()"
py_many="import ftplib,os; f=ftplib.FTP(); f.connect('127.0.0.1',$port); f.login()
for p in open('$base/list').read().split():
    os.makedirs(os.path.dirname(p), exist_ok=True)
    o=open(p,'wb'); f.retrbinary('RETR '+p, o.write); o.close()
f.quit()"
# curl fetches the 2000 URLs of a config file over one connection.
awk -v u="$url" '{ printf "url = \"%s/%s\"\noutput = \"%s\"\n", u, $0, $0 }' "$base/list" > "$base/curl.cfg"
our_many='for d in 0..20 { for f in 0..100 {
    let p = `tree/dir${if d < 10 { "0" } else { "" }}${d}/file${if f < 10 { "00" } else if f < 100 { "0" } else { "" }}${f}.bin`;
    retr(p, p);
} }'

declare -A cmd
cmd[retr,ftp-script]="$ours --url $url/ -e 'retr(\"big.bin\");'"
cmd[retr,curl]="curl -s -o big.bin $url/big.bin"
cmd[retr,lftp]="lftp -c 'open -u anonymous,x -p $port 127.0.0.1; get big.bin'"
cmd[retr,ftplib]="python3 -c \"$py_retr\""
cmd[retr,suppaftp]="$supp retr 127.0.0.1 $port big.bin big.bin"
cmd[stor,ftp-script]="$ours --allow-path $base --url $url/ -e 'stor(\"$base/up100m.bin\", \"up/ours.bin\");'"
cmd[stor,curl]="curl -s -T $base/up100m.bin $url/up/curl.bin"
cmd[stor,lftp]="lftp -c 'open -u anonymous,x -p $port 127.0.0.1; put $base/up100m.bin -o up/lftp.bin'"
cmd[stor,ftplib]="python3 -c \"$py_stor\""
cmd[stor,suppaftp]="$supp stor 127.0.0.1 $port $base/up100m.bin up/supp.bin"
cmd[many,ftp-script]="mkdir -p tree/dir{00..19} && $ours --url $url/ -e '$our_many'"
# curl 7.88 stalls about 0.3 s on each reused data connection to vsftpd
# here (50 files: 13 s), so 2000 files would take ten minutes: left out.
# Run it by hand: curl -s --create-dirs -K $base/curl.cfg
cmd[many,lftp]="lftp -c 'open -u anonymous,x -p $port 127.0.0.1; mirror --parallel=1 tree tree'"
cmd[many,ftplib]="python3 -c \"$py_many\""
cmd[many,suppaftp]="$supp many 127.0.0.1 $port $base/list ."
lftp_tls="set ftp:ssl-force true; set ftp:ssl-protect-data true; set ssl:ca-file $ca; open -u anonymous,x -p $tls_port 127.0.0.1"
cmd[retr-tls,ftp-script]="$ours --tls --cacert $ca --url $tls_url/ -e 'retr(\"big.bin\");'"
cmd[retr-tls,curl]="curl -s --ssl-reqd --cacert $ca -o big.bin $tls_url/big.bin"
cmd[retr-tls,lftp]="lftp -c '$lftp_tls; get big.bin'"
cmd[stor-tls,ftp-script]="$ours --tls --cacert $ca --allow-path $base --url $tls_url/ -e 'stor(\"$base/up100m.bin\", \"up/ours-tls.bin\");'"
cmd[stor-tls,curl]="curl -s --ssl-reqd --cacert $ca -T $base/up100m.bin $tls_url/up/curl-tls.bin"
cmd[stor-tls,lftp]="lftp -c '$lftp_tls; put $base/up100m.bin -o up/lftp-tls.bin'"
cmd[retr-tls,tokio]="$fetch --tls --cacert $ca --tokio $tls_url/big.bin big.bin"
cmd[stor-tls,tokio]="$fetch --tls --cacert $ca --tokio --put $base/up100m.bin $tls_url/up/tokio.bin"
cmd[mirror,ftp-script]="$ours --url $url/ -e 'let s = mirror(\"tree\", \"tree\", #{ parallel: 4 }); if s.files != 2000 { throw s; }'"
cmd[mirror,lftp]="lftp -c 'open -u anonymous,x -p $port 127.0.0.1; mirror --parallel=4 tree tree'"
cmd[mirror,suppaftp]="$supp mirror 127.0.0.1 $port $base/list . 4"

check() { # scenario, dir
    case $1 in
        retr|retr-tls) cmp -s "$root/big.bin" "$2/big.bin" || die "$1: the copy in $2 differs" ;;
        stor|stor-tls) ;;
        many|mirror) diff -r "$root/tree" "$2/tree" >/dev/null || die "$1: the tree in $2 differs" ;;
    esac
}

# One timed run: prints "wall cpu rss_kib".
timed() { # scenario client
    local out="$base/out/$1-$2"
    rm -rf "$out"; mkdir -p "$out"
    ( cd "$out" && /usr/bin/time -f '%e %U %S %M' -o "$base/time" bash -c "${cmd[$1,$2]}" >/dev/null 2>"$base/err" ) \
        || { cat "$base/err" >&2; die "$1 with $2 failed"; }
    check "$1" "$out"
    rm -rf "$out"
    awk '{ printf "%.3f %.3f %d\n", $1, $2 + $3, $4 }' "$base/time"
}


clients=(ftp-script curl suppaftp lftp ftplib)
# BASELINE=path/to/an/older/ftp-script: that build too, as "before",
# interleaved with today's (a refactoring's before and after in one run).
if [ -n "${BASELINE:-}" ]; then
    [ -x "$BASELINE" ] || die "BASELINE=$BASELINE is not an executable"
    for s in retr stor many mirror retr-tls stor-tls; do
        [ -n "${cmd[$s,ftp-script]:-}" ] && cmd[$s,before]="${cmd[$s,ftp-script]//$ours/$BASELINE}"
    done
    clients=(ftp-script before curl suppaftp lftp ftplib)
fi
clients+=(tokio)
if [ -n "${BASELINE_FETCH:-}" ]; then
    [ -x "$BASELINE_FETCH" ] || die "BASELINE_FETCH=$BASELINE_FETCH is not an executable"
    for s in retr-tls stor-tls; do
        cmd[$s,tokio-before]="${cmd[$s,tokio]//$fetch/$BASELINE_FETCH}"
    done
    clients+=(tokio-before)
fi
printf '%s, %s, vsftpd %s, loopback, data on tmpfs; medians of %s runs after a warm-up\n' \
    "$(date -u +%Y-%m-%d)" "$(nproc) cores $(uname -m)" "$(dpkg-query -W -f='${Version}' vsftpd)" "$runs"
printf '%-26s' "scenario"; for c in "${clients[@]}"; do printf ' %-24s' "$c"; done; printf '\n'
for scenario in ${SCENARIOS:-retr stor many mirror retr-tls stor-tls}; do
    declare -A wall=() cpu=() rss=()
    present=()
    for c in "${clients[@]}"; do [ -n "${cmd[$scenario,$c]:-}" ] && present+=("$c"); done
    for c in "${present[@]}"; do timed "$scenario" "$c" >/dev/null; done   # warm-up
    for _ in $(seq 1 "$runs"); do
        for c in "${present[@]}"; do
            read -r w u r < <(timed "$scenario" "$c")
            wall[$c]+="$w "; cpu[$c]+="$u "; rss[$c]+="$r "
        done
    done
    case $scenario in
        retr) label="RETR 1 GiB" ;; stor) label="STOR 100 MiB" ;;
        many) label="2000 x 4 KiB, one session" ;; mirror) label="mirror 2000 files, 4 conn." ;;
        retr-tls) label="FTPS RETR 1 GiB" ;; stor-tls) label="FTPS STOR 100 MiB" ;;
    esac
    printf '%-26s' "$label"
    ours_wall=$(printf '%s\n' ${wall[ftp-script]} | median)
    for c in "${clients[@]}"; do
        if [ -z "${wall[$c]:-}" ]; then printf ' %-24s' "-"; continue; fi
        w=$(printf '%s\n' ${wall[$c]} | median)
        u=$(printf '%s\n' ${cpu[$c]} | median)
        r=$(printf '%s\n' ${rss[$c]} | median)
        if [ "$c" = ftp-script ]; then
            printf ' %-24s' "$(printf '%.2fs %.2fc %dM' "$w" "$u" $((r / 1024)))"
        else
            printf ' %-24s' "$(printf '%.2fs %.2fc %dM x%.2f' "$w" "$u" $((r / 1024)) "$(echo "$ours_wall / $w" | bc -l)")"
        fi
    done
    printf '\n'
    unset wall cpu rss
done
printf '(s: wall seconds, c: CPU seconds, M: peak RSS MiB, xN: ftp-script wall / that client wall; below 1 is faster)\n'
printf '(tokio: ftp-std'"'"'s tokio session, the fetch example with --tokio; FTPS rows only)\n'
printf '(curl is left out of the 2000-file runs: it stalls ~0.3 s per reused data connection here)\n'
printf '(ftplib is left out of the FTPS rows: it does not resume TLS sessions on data connections, which vsftpd requires)\n'
