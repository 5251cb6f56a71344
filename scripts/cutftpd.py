#!/usr/bin/env python3
"""An FTP server that cuts the first download, for resume tests: it logs
anyone in, serves one directory (CWD, PWD, TYPE, EPSV, PASV, LIST, SIZE,
REST, RETR, STOR, FEAT, XSHA256, QUIT), and cuts the first RETR after
CUT bytes: with --cut data the data connection is closed and 426 sent;
with --cut control both connections are dropped. Later RETRs are served
whole from the REST offset. With --change the file's bytes change after
the cut (same size), so a resumed image is wrong and its checksum tells.
Prints its port; writes one line to the file LOG for each REST and RETR
it serves (`REST n`, `RETR name from n`).

usage: cutftpd.py ROOT LOG [--host 127.0.0.1] [--cut data|control] [--at BYTES] [--change]
"""
import argparse
import hashlib
import os
import socket
import socketserver
import sys
import threading

LOCK = threading.Lock()
STATE = {"cut_done": False}


LOG = []


def log(line):
    with LOCK:
        with open(LOG[0], "a") as f:
            f.write(line + "\n")


class Handler(socketserver.StreamRequestHandler):
    def reply(self, text):
        self.wfile.write((text + "\r\n").encode())
        self.wfile.flush()

    def path(self, name):
        return os.path.join(self.server.root, self.cwd, name)

    def handle(self):
        self.request.settimeout(60)
        self.cwd = ""
        passive = None
        rest = 0
        self.reply("220 cutting server ready")
        for _ in range(500):
            line = self.rfile.readline(4096)
            if not line:
                return
            text = line.decode("latin-1").strip()
            verb, _, arg = text.partition(" ")
            verb = verb.upper()
            if verb == "USER":
                self.reply("331 password please")
            elif verb == "PASS":
                self.reply("230 logged in")
            elif verb == "CWD":
                if os.path.isdir(os.path.join(self.server.root, arg.strip("/"))):
                    self.cwd = arg.strip("/")
                    self.reply("250 ok")
                else:
                    self.reply("550 no such directory")
            elif verb == "PWD":
                self.reply('257 "/%s"' % self.cwd)
            elif verb in ("TYPE", "NOOP"):
                self.reply("200 ok")
            elif verb == "FEAT":
                self.reply("211-Features:")
                self.reply(" SIZE")
                self.reply(" REST STREAM")
                self.reply(" XSHA256")
                self.reply("211 End")
            elif verb == "SIZE":
                try:
                    self.reply("213 %d" % os.path.getsize(self.path(arg)))
                except OSError:
                    self.reply("550 no such file")
            elif verb == "XSHA256":
                try:
                    with open(self.path(arg), "rb") as f:
                        self.reply("250 %s" % hashlib.sha256(f.read()).hexdigest())
                except OSError:
                    self.reply("550 no such file")
            elif verb == "REST":
                rest = int(arg)
                log("REST %d" % rest)
                self.reply("350 restarting at %d" % rest)
            elif verb in ("EPSV", "PASV"):
                passive = socket.socket()
                passive.bind((self.server.server_address[0], 0))
                passive.listen(1)
                port = passive.getsockname()[1]
                if verb == "EPSV":
                    self.reply("229 Entering Extended Passive Mode (|||%d|)" % port)
                else:
                    h = self.server.server_address[0].replace(".", ",")
                    self.reply("227 Entering Passive Mode (%s,%d,%d)" % (h, port >> 8, port & 255))
            elif verb in ("LIST", "RETR", "STOR") and passive is not None:
                passive.settimeout(10)
                data, _ = passive.accept()
                passive.close()
                passive = None
                if verb == "LIST":
                    self.reply("150 listing")
                    for name in sorted(os.listdir(os.path.join(self.server.root, self.cwd))):
                        size = os.path.getsize(os.path.join(self.server.root, self.cwd, name))
                        data.sendall(b"-rw-r--r--    1 0 0 %12d Jan 02  2025 %s\r\n" % (size, name.encode()))
                    data.close()
                    self.reply("226 done")
                elif verb == "STOR":
                    self.reply("150 send it")
                    with open(self.path(arg), "wb") as f:
                        while True:
                            chunk = data.recv(65536)
                            if not chunk:
                                break
                            f.write(chunk)
                    data.close()
                    self.reply("226 stored")
                else:
                    with open(self.path(arg), "rb") as f:
                        body = f.read()
                    log("RETR %s from %d" % (arg, rest))
                    self.reply("150 here it comes (%d bytes)" % (len(body) - rest))
                    start, rest = rest, 0
                    with LOCK:
                        cut = not STATE["cut_done"]
                        STATE["cut_done"] = True
                    if cut:
                        data.sendall(body[start:start + self.server.at])
                        data.close()
                        if self.server.change:
                            with open(self.path(arg), "wb") as f:
                                f.write(bytes(b ^ 0x5A for b in body))
                        if self.server.cut == "control":
                            return
                        self.reply("426 Connection closed; transfer aborted.")
                    else:
                        data.sendall(body[start:])
                        data.close()
                        self.reply("226 transfer complete")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # A client that drops its connection mid-command (the cut it
        # recovers from) is no news.
        pass


def main():
    p = argparse.ArgumentParser()
    p.add_argument("root")
    p.add_argument("log")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--cut", choices=["data", "control"], default="data")
    p.add_argument("--at", type=int, default=1 << 20)
    p.add_argument("--change", action="store_true")
    args = p.parse_args()
    server = Server((args.host, 0), Handler)
    server.root, server.cut, server.at, server.change = args.root, args.cut, args.at, args.change
    LOG.append(args.log)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
