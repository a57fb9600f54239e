#!/usr/bin/env python3
"""Test clients for the system tests (run in the lab's client namespace); every wait is bounded.

raw HOST PORT         reads a JSON list of {"name", "request"} (request as a latin-1 string) from stdin; sends each
                      on its own connection, reads until the server closes (at most 3 s) and prints one line per
                      case: "NAME|STATUS|closed or open|x-fulcrum-error value or -" (status 0: no answer).
slow HOST PORT GAP    slowloris: a request head sent one header line every GAP seconds (at most 60 s); prints
                      "status=S after=SECONDS closed=true|false" once the server answers or closes.
ws HOST PORT PATH     WebSocket client (RFC 6455, masked frames): upgrade, then a text frame, a 70000-byte binary
                      frame and a ping; prints one line per echo ("text hello", "binary 70000 ok", "pong p"), then
                      closes with 1000 and prints "close 1000".
wss HOST PORT PATH SERVERNAME CAFILE
                      the same over TLS (SNI SERVERNAME, the server certificate verified against CAFILE for that
                      name, no ALPN: HTTP/1.1); prints "tls VERSION" first.
udp HOST PORT DATA    sends one datagram and prints the reply (2 s timeout).
"""
import base64
import json
import os
import socket
import ssl
import struct
import sys
import time


def read_until_closed(s, max_s):
    s.settimeout(0.2)
    data = b""
    deadline = time.time() + max_s
    while time.time() < deadline:
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            return data, True
        if not chunk:
            return data, True
        data += chunk
    return data, False


def status_of(data):
    line = data.split(b"\r\n", 1)[0].decode("latin-1")
    parts = line.split(" ")
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0


def raw(host, port):
    for case in json.load(sys.stdin):
        s = socket.create_connection((host, port), timeout=3)
        try:
            s.sendall(case["request"].encode("latin-1"))
        except (BrokenPipeError, ConnectionResetError):
            pass
        data, closed = read_until_closed(s, 3)
        s.close()
        head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1")
        error = [line.split(":", 1)[1].strip() for line in head.split("\r\n")[1:]
                 if line.lower().startswith("x-fulcrum-error:")]
        print("%s|%d|%s|%s" % (case["name"], status_of(data), "closed" if closed else "open", error[0] if error else "-"),
              flush=True)


def slow(host, port, gap):
    s = socket.create_connection((host, port), timeout=3)
    start = time.time()
    s.sendall(b"GET /slow HTTP/1.1\r\nHost: x\r\n")
    s.settimeout(gap)
    data = b""
    closed = False
    i = 0
    while time.time() - start < 60:
        try:
            chunk = s.recv(65536)
            if not chunk:
                closed = True
                break
            data += chunk
            if b"\r\n\r\n" in data:
                rest, closed = read_until_closed(s, 2)
                data += rest
                break
        except socket.timeout:
            try:
                s.sendall(b"X-Slow-%d: y\r\n" % i)
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            i += 1
        except ConnectionResetError:
            closed = True
            break
    print("status=%d after=%.2f closed=%s" % (status_of(data), time.time() - start, str(closed).lower()), flush=True)


def ws_frame(opcode, payload):
    mask = os.urandom(4)
    head = bytes([0x80 | opcode])
    if len(payload) < 126:
        head += bytes([0x80 | len(payload)])
    elif len(payload) < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", len(payload))
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", len(payload))
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


def recv_exactly(s, n):
    data = b""
    while len(data) < n:
        chunk = s.recv(n - len(data))
        if not chunk:
            raise EOFError("closed after %d of %d bytes" % (len(data), n))
        data += chunk
    return data


def ws_read(s):
    head = recv_exactly(s, 2)
    length = head[1] & 0x7F
    if length == 126:
        length = struct.unpack("!H", recv_exactly(s, 2))[0]
    elif length == 127:
        length = struct.unpack("!Q", recv_exactly(s, 8))[0]
    return head[0] & 0x0F, recv_exactly(s, length)


def ws(host, port, path, server_name=None, ca_file=None):
    s = socket.create_connection((host, port), timeout=5)
    if server_name:
        s = ssl.create_default_context(cafile=ca_file).wrap_socket(s, server_hostname=server_name)
        print("tls %s" % s.version(), flush=True)
    key = base64.b64encode(os.urandom(16)).decode()
    s.sendall(("GET %s HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (path, host, port, key)).encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = s.recv(1)
        if not chunk:
            raise EOFError("closed during the upgrade: %r" % head)
        head += chunk
    print("upgrade %d" % status_of(head), flush=True)
    s.sendall(ws_frame(1, b"hello"))
    op, data = ws_read(s)
    print("text %s" % data.decode(), flush=True)
    big = bytes((i * 7) & 0xFF for i in range(70000))
    s.sendall(ws_frame(2, big))
    op, data = ws_read(s)
    print("binary %d %s" % (len(data), "ok" if op == 2 and data == big else "corrupt"), flush=True)
    s.sendall(ws_frame(9, b"p"))
    op, data = ws_read(s)
    print("%s %s" % ("pong" if op == 10 else "op%d" % op, data.decode()), flush=True)
    s.sendall(ws_frame(8, struct.pack("!H", 1000)))
    op, data = ws_read(s)
    print("close %d" % struct.unpack("!H", data[:2])[0], flush=True)
    s.close()


def udp(host, port, data):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    s.sendto(data.encode(), (host, port))
    print(s.recvfrom(65536)[0].decode().strip(), flush=True)


if __name__ == "__main__":
    mode, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    if mode == "raw":
        raw(host, port)
    elif mode == "slow":
        slow(host, port, float(sys.argv[4]))
    elif mode == "ws":
        ws(host, port, sys.argv[4])
    elif mode == "wss":
        ws(host, port, sys.argv[4], sys.argv[5], sys.argv[6])
    else:
        udp(host, port, sys.argv[4])
