#!/usr/bin/env python3
"""An FTP server that goes silent mid-transfer, for timeout tests: it logs
anyone in, lists one file, and answers RETR with 150 and the first 64 KiB
of the data, then sends nothing more on either connection (for at most
120 s) while keeping both open. Prints its port on stdout once
listening; serves until killed.

usage: stallftpd.py [--host 127.0.0.1]
"""
import argparse
import socket
import socketserver
import threading
import time


class Handler(socketserver.StreamRequestHandler):
    def reply(self, text):
        self.wfile.write((text + "\r\n").encode())
        self.wfile.flush()

    def handle(self):
        self.request.settimeout(300)
        passive = None
        self.reply("220 stalling server ready")
        for _ in range(200):
            line = self.rfile.readline(4096)
            if not line:
                return
            verb = line.decode("latin-1").strip().split(" ", 1)[0].upper()
            if verb == "USER":
                self.reply("331 password please")
            elif verb == "PASS":
                self.reply("230 logged in")
            elif verb in ("CWD", "TYPE", "NOOP"):
                self.reply("250 ok" if verb == "CWD" else "200 ok")
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
            elif verb in ("LIST", "RETR") and passive is not None:
                passive.settimeout(10)
                data, _ = passive.accept()
                passive.close()
                passive = None
                if verb == "LIST":
                    self.reply("150 listing")
                    data.sendall(b"-rw-r--r--    1 0 0  4194304 Jan 02  2025 firmware.bin\r\n")
                    data.close()
                    self.reply("226 done")
                else:
                    self.reply("150 here it comes (4194304 bytes)")
                    data.sendall(b"\xa5" * 65536)
                    # Silent from here on, both connections kept open.
                    time.sleep(120)
                    data.close()
                    return
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


class Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    args = p.parse_args()
    server = Server((args.host, 0), Handler)
    print(server.server_address[1], flush=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    time.sleep(3600)


if __name__ == "__main__":
    main()
