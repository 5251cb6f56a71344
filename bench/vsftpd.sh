# Sourced by the bench scripts: start_vsftpd DIR ROOT [CONFIG-LINES...]
# starts an anonymous vsftpd on a free loopback port serving ROOT, its
# config in DIR, extra config lines appended; sets $port and $pid.
start_vsftpd() {
    local dir=$1 root=$2 pasv line
    shift 2
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    pasv=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    mkdir -p /var/run/vsftpd/empty
    cat > "$dir/vsftpd.conf" <<CONF
listen=YES
listen_address=127.0.0.1
listen_port=$port
background=NO
anonymous_enable=YES
anon_root=$root
no_anon_password=YES
local_enable=NO
pasv_enable=YES
pasv_min_port=$pasv
pasv_max_port=$((pasv + 300))
seccomp_sandbox=NO
isolate_network=NO
secure_chroot_dir=/var/run/vsftpd/empty
xferlog_enable=NO
max_per_ip=0
max_clients=0
CONF
    for line in "$@"; do echo "$line" >> "$dir/vsftpd.conf"; done
    /usr/sbin/vsftpd "$dir/vsftpd.conf" &
    pid=$!
    for _ in $(seq 1 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
        sleep 0.05
    done
    echo "error: vsftpd did not start" >&2
    return 1
}
