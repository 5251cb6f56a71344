#!/usr/bin/env python3
"""A real FTP server for tests and the sample session: pyftpdlib on a free
loopback port, serving ROOT. Anonymous users read; USER/PASS (when given)
may also write. Prints the port on stdout once listening, then serves
until killed.

With --certfile and --keyfile it is an explicit FTPS server (AUTH TLS,
pyOpenSSL) that requires TLS on the control and data connections.

With --raw-names, names are bytes on the wire exactly as on disk (a
Latin-1 or CP1251 name is sent and taken as its own bytes), as on servers
whose file system is in a legacy encoding; stock pyftpdlib decodes them as
UTF-8 with replacement, which no client could give back.

usage: ftpd.py ROOT [--user NAME --password PW] [--host 127.0.0.1|::1]
               [--certfile PEM --keyfile PEM] [--raw-names] [--unlistable REL]
               [--no-listing-data] [--vhost NAME=REL] [--list-lines FILE]
               [--fxp] [--sscn] [--short-stat] [--tz POSIX_TZ]
"""
import argparse
import os
import logging
import sys

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler
from pyftpdlib.servers import FTPServer


def main():
    p = argparse.ArgumentParser()
    p.add_argument("root")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--certfile")
    p.add_argument("--keyfile")
    p.add_argument("--raw-names", action="store_true")
    p.add_argument(
        "--unlistable",
        action="append",
        default=[],
        help="a directory under the root (made when missing) that USER may not list: 550",
    )
    p.add_argument(
        "--no-listing-data",
        action="store_true",
        help="LIST, NLST and MLSD get 425 and their data connection closed"
        " (a network that breaks listings' data connections); STAT lists",
    )
    p.add_argument(
        "--vhost",
        metavar="NAME=REL",
        help="a virtual host (RFC 7151): FEAT lists HOST, and after HOST NAME"
        " the session's root is REL under the root (made when missing)",
    )
    p.add_argument(
        "--list-lines",
        metavar="FILE",
        help="LIST of any path sends FILE's lines (a server listing as a"
        " mainframe does: z/OS data sets, OS/400 objects)",
    )
    p.add_argument(
        "--fxp",
        action="store_true",
        help="data connections to and from other hosts than the client (FXP)",
    )
    p.add_argument(
        "--sscn",
        action="store_true",
        help="with --certfile: SSCN and CPSV (as glftpd and DrFTPD have them), this server as"
        " the TLS client of data connections, for FXP over FTPS",
    )
    p.add_argument(
        "--short-stat",
        action="store_true",
        help="STAT path lists names alone, as a short ls, unless asked for -l",
    )
    p.add_argument(
        "--tz",
        metavar="POSIX_TZ",
        help="LIST times in this time zone (POSIX TZ, such as XXX-2 for two hours"
        " east of UTC) instead of UTC; MDTM stays UTC",
    )
    args = p.parse_args()

    auth = DummyAuthorizer()
    auth.add_anonymous(args.root)
    if args.user:
        auth.add_user(args.user, args.password or "", args.root, perm="elradfmwMT")
        for rel in args.unlistable:
            path = os.path.join(args.root, rel)
            os.makedirs(path, exist_ok=True)
            auth.override_perm(args.user, path, "eradfmwMT", recursive=True)

    base = FTPHandler
    if args.certfile:
        from pyftpdlib.handlers import TLS_FTPHandler

        base = TLS_FTPHandler
        base.certfile = args.certfile
        base.keyfile = args.keyfile
        base.tls_control_required = True
        base.tls_data_required = True

    class Handler(base):
        authorizer = auth
        banner = "pyftpdlib ready."
        permit_foreign_addresses = args.fxp
        permit_privileged_ports = False

    # Commands beyond pyftpdlib's, and the features FEAT adds for them.
    extra_feats = []
    Handler.proto_cmds = dict(Handler.proto_cmds)

    def command(name, auth, arg, help):
        Handler.proto_cmds[name] = dict(perm=None, auth=auth, arg=arg, help=help)

    if args.raw_names:
        # Undecodable bytes become lone surrogates and back (the file
        # system's own rule on POSIX), so every name keeps its bytes; the
        # replies too (a 257 naming such a directory), which stock
        # pyftpdlib encodes strictly.
        Handler.unicode_errors = "surrogateescape"

        def push(self, data):
            super(FTPHandler, self).push(data.encode(self.encoding, self.unicode_errors))

        Handler.push = push

    if args.no_listing_data:

        def refuse(self, path):
            self._shutdown_connecting_dtp()
            if self.data_channel is not None:
                self.data_channel.close()
            self.respond("425 Can't open data connection.")

        Handler.ftp_LIST = Handler.ftp_NLST = Handler.ftp_MLSD = refuse

    if args.vhost:
        vname, rel = args.vhost.split("=", 1)
        vroot = os.path.join(args.root, rel)
        os.makedirs(vroot, exist_ok=True)
        command("HOST", False, True, "Syntax: HOST <SP> name (virtual host).")
        extra_feats.append("HOST")

        def ftp_HOST(self, line):
            if self.authenticated:
                self.respond("503 HOST must come before login.")
            elif line.lower() != vname.lower():
                self.respond("504 Unknown virtual host.")
            else:
                self._vhost = vroot
                self.respond(f"220 Host {vname} ready.")

        def on_login(self, username):
            if getattr(self, "_vhost", None):
                self.fs.root = self._vhost

        Handler.ftp_HOST = ftp_HOST
        Handler.on_login = on_login

    if args.sscn:
        # SSCN ON: every data connection, and CPSV: the next one (a PASV
        # whose connection this server secures as the client), get this
        # server's TLS handshake as the client; FXP over FTPS needs one of
        # the two servers to be the client.
        from OpenSSL import SSL
        from pyftpdlib.handlers import TLS_DTPHandler

        client_context = SSL.Context(SSL.TLS_CLIENT_METHOD)
        # TLS 1.2 at most as the client: a TLS 1.3 server sends session
        # tickets after the handshake, which this side, only sending,
        # never reads; closing with them unread resets the connection and
        # the other server loses the end of the upload (vsftpd: 426).
        client_context.set_max_proto_version(SSL.TLS1_2_VERSION)
        Handler._sscn = False
        Handler._cpsv = False

        class ClientDTP(TLS_DTPHandler):
            def secure_connection(self, ssl_context):
                channel = self.cmd_channel
                if not (channel._sscn or channel._cpsv):
                    return super().secure_connection(ssl_context)
                channel._cpsv = False
                super().secure_connection(client_context)
                if self.socket is not None and isinstance(self.socket, SSL.Connection):
                    self.socket.set_connect_state()
                    # The client speaks first: the ClientHello goes now,
                    # not when this side first has data to send.
                    self._do_ssl_handshake()

        Handler.dtp_handler = ClientDTP
        command("SSCN", True, None, "Syntax: SSCN [<SP> ON|OFF] (TLS client of data connections).")
        command("CPSV", True, False, "Syntax: CPSV (PASV, this server the TLS client).")
        extra_feats += ["SSCN", "CPSV"]

        def ftp_SSCN(self, line):
            mode = line.strip().upper()
            if mode in ("ON", "OFF"):
                self._sscn = mode == "ON"
            elif mode:
                self.respond("501 SSCN takes ON or OFF.")
                return
            self.respond(f"200 SSCN:{'CLIENT' if self._sscn else 'SERVER'} METHOD")

        plain_pasv = Handler.ftp_PASV

        def ftp_CPSV(self, line):
            self._cpsv = True
            return plain_pasv(self, line)

        def not_cpsv(plain):
            def command(self, line):
                self._cpsv = False
                return plain(self, line)

            return command

        Handler.ftp_SSCN = ftp_SSCN
        Handler.ftp_CPSV = ftp_CPSV
        for name in ("ftp_PASV", "ftp_EPSV", "ftp_PORT", "ftp_EPRT"):
            setattr(Handler, name, not_cpsv(getattr(Handler, name)))

    if extra_feats:
        plain_feat = Handler.ftp_FEAT

        def ftp_FEAT(self, line):
            self._extra_feats = list(self._extra_feats) + [
                f for f in extra_feats if f not in self._extra_feats
            ]
            plain_feat(self, line)

        Handler.ftp_FEAT = ftp_FEAT

    if args.list_lines:
        with open(args.list_lines, "rb") as f:
            canned = f.read()

        def ftp_LIST(self, path):
            self.push_dtp_data(canned, isproducer=False, cmd="LIST")
            return path

        Handler.ftp_LIST = ftp_LIST

    if args.short_stat:
        plain_stat = Handler.ftp_STAT

        def ftp_STAT(self, path):
            # pyftpdlib hands the argument over as a file system path,
            # joined to the current directory: "-l /d" comes as "/-l /d".
            line = self.fs.fs2ftp(path)
            option = self.fs.cwd.rstrip("/") + "/-l "
            if not line.startswith(option):
                if not self.fs.isdir(path):
                    return plain_stat(self, path)
                names = sorted(self.run_as_current_user(self.fs.listdir, path))
                self.push(f'213-Status of "{line}":\r\n')
                self.push("".join(f"{n}\r\n" for n in names))
                self.respond("213 End of status.")
                return path
            return plain_stat(self, self.fs.ftp2fs(line[len(option):]))

        Handler.ftp_STAT = ftp_STAT

    if args.tz:
        import time

        os.environ["TZ"] = args.tz
        time.tzset()
        # LIST in local time, MDTM in UTC (RFC 3659), as ProFTPD does;
        # pyftpdlib's use_gmt_times would turn both.
        Handler.use_gmt_times = False
        plain_mdtm = Handler.ftp_MDTM

        def ftp_MDTM(self, path):
            self.use_gmt_times = True
            try:
                return plain_mdtm(self, path)
            finally:
                self.use_gmt_times = False

        Handler.ftp_MDTM = ftp_MDTM

    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    server = FTPServer((args.host, 0), Handler)
    server.max_cons = 64
    print(server.address[1], flush=True)
    server.serve_forever(handle_exit=True)


if __name__ == "__main__":
    main()
