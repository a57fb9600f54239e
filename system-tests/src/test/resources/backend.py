#!/usr/bin/env python3
"""Test backend for the system tests (runs in a backend namespace of the lab).

http NAME PORT        HTTP/1.1 server: answers every request with "backend=NAME path=PATH" and one line per request
                      header ("header name: value"), so tests see what the load balancer forwarded.
https NAME PORT CERT KEY
                      as http, over TLS with the PEM chain CERT and key KEY; the first line also carries
                      "sni=NAME" (the server name the client sent, "-" without one).
proxy2 NAME PORT      TCP server that reads a PROXY protocol v2 header, answers
                      "backend=NAME proxy=SRC:SPORT->DST:DPORT" and then echoes what follows.
"""
import socket
import socketserver
import ssl
import struct
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def http(name, port, cert=None, key=None):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def answer(self, body_wanted):
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            lines = ["backend=%s path=%s" % (name, self.path)]
            if cert:
                lines[0] += " sni=%s" % (getattr(self.connection, "fulcrum_sni", None) or "-")
            lines += ["header %s: %s" % (k.lower(), v) for k, v in self.headers.items()]
            body = ("\n".join(lines) + "\n").encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body_wanted:
                self.wfile.write(body)

        def do_GET(self):
            self.answer(True)

        def do_HEAD(self):
            self.answer(False)

        def do_POST(self):
            self.answer(True)

        def log_message(self, *args):
            pass

    ThreadingHTTPServer.allow_reuse_address = True
    server = ThreadingHTTPServer(("0.0.0.0", port), Handler)
    if cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)

        def remember_sni(sock, server_name, _context):
            sock.fulcrum_sni = server_name

        context.sni_callback = remember_sni
        server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()


def https(name, port, cert, key):
    http(name, port, cert, key)


def recv_exactly(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise EOFError("closed after %d of %d bytes" % (len(data), n))
        data += chunk
    return data


def proxy2(name, port):
    signature = b"\r\n\r\n\x00\r\nQUIT\n"

    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            s = self.request
            head = recv_exactly(s, 16)
            if head[:12] != signature:
                s.sendall(b"backend=%s proxy=missing\n" % name.encode())
                return
            length = struct.unpack("!H", head[14:16])[0]
            body = recv_exactly(s, length)
            if head[13] >> 4 == 1:  # AF_INET
                src, dst = socket.inet_ntoa(body[0:4]), socket.inet_ntoa(body[4:8])
                sport, dport = struct.unpack("!HH", body[8:12])
                text = "backend=%s proxy=%s:%d->%s:%d\n" % (name, src, sport, dst, dport)
            else:
                text = "backend=%s proxy=family-%d\n" % (name, head[13] >> 4)
            s.sendall(text.encode())
            while True:
                data = s.recv(65536)
                if not data:
                    return
                s.sendall(data)

    socketserver.ThreadingTCPServer.allow_reuse_address = True
    socketserver.ThreadingTCPServer(("0.0.0.0", port), Handler).serve_forever()


if __name__ == "__main__":
    mode, name, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    {"http": http, "https": https, "proxy2": proxy2}[mode](name, port, *sys.argv[4:])
