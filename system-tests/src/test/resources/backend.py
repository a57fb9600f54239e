#!/usr/bin/env python3
"""Test backend for the system tests (runs in a backend namespace of the lab).

http NAME PORT        HTTP/1.1 server: answers every request with "backend=NAME path=PATH" and one line per request
                      header ("header name: value"), so tests see what the load balancer forwarded.
                      Every request is also printed as "request METHOD PATH" (flushed), so a test counts what
                      arrived. GET /download/N answers N zero bytes; POST /sink reads the body in pieces and answers
                      "sink=N" (neither holds the body in memory); paths starting with /ws/ are a WebSocket echo
                      (RFC 6455: text and binary frames echoed, ping answered, close returned).
https NAME PORT CERT KEY
                      as http, over TLS with the PEM chain CERT and key KEY; the first line also carries
                      "sni=NAME" (the server name the client sent, "-" without one).
proxy2 NAME PORT      TCP server that reads a PROXY protocol v2 header, answers
                      "backend=NAME proxy=SRC:SPORT->DST:DPORT" and then echoes what follows.
proxy1 NAME PORT      The same for a PROXY protocol v1 line.
udpproxy2 NAME PORT   UDP server: each datagram must start with a PROXY v2 header (UDP4); answers
                      "backend=NAME proxy=SRC:SPORT->DST:DPORT data=PAYLOAD".
"""
import base64
import hashlib
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
            print("request %s %s" % (self.command, self.path), flush=True)
            if self.path.startswith("/ws/"):
                return websocket_echo(self)
            if self.path.startswith("/download/"):
                return download(self, int(self.path[len("/download/"):]))
            if self.path == "/sink":
                return sink(self)
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

        def do_PUT(self):
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


def download(handler, size):
    handler.send_response(200)
    handler.send_header("Content-Type", "application/octet-stream")
    handler.send_header("Content-Length", str(size))
    handler.end_headers()
    chunk = bytes(1 << 20)
    left = size
    while left > 0:
        n = min(left, len(chunk))
        handler.wfile.write(chunk[:n] if n < len(chunk) else chunk)
        left -= n


def sink(handler):
    total = 0
    if handler.headers.get("Transfer-Encoding", "").lower() == "chunked":
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip(), 16)
            if size == 0:
                while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                break
            left = size
            while left > 0:
                got = handler.rfile.read(min(left, 1 << 20))
                if not got:
                    raise EOFError("body cut")
                left -= len(got)
            total += size
            handler.rfile.readline()
    else:
        left = int(handler.headers.get("Content-Length") or 0)
        while left > 0:
            got = handler.rfile.read(min(left, 1 << 20))
            if not got:
                raise EOFError("body cut")
            left -= len(got)
            total += len(got)
    body = ("sink=%d\n" % total).encode()
    handler.send_response(200)
    handler.send_header("Content-Type", "text/plain")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def websocket_echo(handler):
    key = handler.headers.get("Sec-WebSocket-Key", "").encode()
    if handler.headers.get("Upgrade", "").lower() != "websocket" or not key:
        handler.send_error(400, "not a websocket upgrade")
        return
    handler.send_response(101, "Switching Protocols")
    handler.send_header("Upgrade", "websocket")
    handler.send_header("Connection", "Upgrade")
    handler.send_header("Sec-WebSocket-Accept", base64.b64encode(hashlib.sha1(key + WS_GUID).digest()).decode())
    handler.end_headers()
    handler.wfile.flush()
    rfile, wfile = handler.rfile, handler.wfile
    while True:
        head = rfile.read(2)
        if len(head) < 2:
            break
        opcode, length = head[0] & 0x0F, head[1] & 0x7F
        if length == 126:
            length = struct.unpack("!H", rfile.read(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", rfile.read(8))[0]
        mask = rfile.read(4) if head[1] & 0x80 else b"\0\0\0\0"
        data = bytes(b ^ mask[i % 4] for i, b in enumerate(rfile.read(length)))
        reply_opcode = {1: 1, 2: 2, 9: 10, 8: 8}.get(opcode)
        if reply_opcode is None:
            continue
        frame = bytes([0x80 | reply_opcode])
        if len(data) < 126:
            frame += bytes([len(data)])
        elif len(data) < 65536:
            frame += bytes([126]) + struct.pack("!H", len(data))
        else:
            frame += bytes([127]) + struct.pack("!Q", len(data))
        wfile.write(frame + data)
        wfile.flush()
        if opcode == 8:
            break
    handler.close_connection = True


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


def proxy1(name, port):
    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            line = self.rfile.readline(108).decode("ascii", "replace")
            parts = line.strip().split(" ")
            if len(parts) == 6 and parts[0] == "PROXY" and line.endswith("\r\n"):
                text = "backend=%s proxy=%s:%s->%s:%s\n" % (name, parts[2], parts[4], parts[3], parts[5])
            else:
                text = "backend=%s proxy=missing\n" % name
            self.wfile.write(text.encode())
            while True:
                # read1: what came in the same segment as the header is already in rfile's buffer.
                data = self.rfile.read1(65536)
                if not data:
                    return
                self.request.sendall(data)

    socketserver.ThreadingTCPServer.allow_reuse_address = True
    socketserver.ThreadingTCPServer(("0.0.0.0", port), Handler).serve_forever()


def udpproxy2(name, port):
    signature = b"\r\n\r\n\x00\r\nQUIT\n"
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", port))
    while True:
        data, peer = s.recvfrom(65536)
        if data[:12] != signature or data[13] != 0x12:
            s.sendto(b"backend=%s proxy=missing\n" % name.encode(), peer)
            continue
        length = struct.unpack("!H", data[14:16])[0]
        body = data[16:16 + length]
        src, dst = socket.inet_ntoa(body[0:4]), socket.inet_ntoa(body[4:8])
        sport, dport = struct.unpack("!HH", body[8:12])
        payload = data[16 + length:].decode("ascii", "replace")
        s.sendto(("backend=%s proxy=%s:%d->%s:%d data=%s\n" % (name, src, sport, dst, dport, payload)).encode(), peer)


if __name__ == "__main__":
    mode, name, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    {"http": http, "https": https, "proxy2": proxy2, "proxy1": proxy1, "udpproxy2": udpproxy2}[mode](name, port, *sys.argv[4:])
