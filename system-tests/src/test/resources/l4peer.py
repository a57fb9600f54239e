#!/usr/bin/env python3
"""Clients and servers for the L4 system tests (stdlib only, bounded in time).

Servers (run in a backend namespace, exit after --lifetime seconds):
  serve NAME TCPPORT UDPPORT LOGFILE   TCP: first line "WHO" -> "NAME peer_ip:peer_port", "ECHO" -> echo until EOF,
                                       "IDLE" -> "ok", then wait; a reset is logged to LOGFILE; "HOLD" -> "NAME
                                       peer_ip:peer_port", then echoes line by line until EOF; "GET ..." -> HTTP/1.0
                                       200 with "NAME peer_ip:peer_port". UDP: answers "NAME peer_ip:peer_port".
Clients (run in the client namespace):
  who HOST PORT                        one WHO; prints "local_port reply"
  many HOST PORT N TIMEOUT_S           N sequential short WHO connections; prints "ok=.. fail=.. seconds=.."
  echo HOST PORT BYTES                 sends BYTES random bytes, compares the echo's sha256; prints "match" or "mismatch"
  idle HOST PORT SECONDS               connects, IDLE, sleeps, reads: prints "reset" or "no-reset"
  udp HOST PORT                        one datagram; prints the answer
  udpmany HOST PORT N                  N sockets (distinct ports) send one datagram each; prints "answered=.."
                                       then the first socket sends again; prints "first-again=yes|no"
  watch HOST PORT SECONDS              short WHO connections back to back for SECONDS; prints "ok=.. fail=..
                                       last_fail=EPOCH|none end=EPOCH after=NAME:COUNT,..." (answers after the
                                       last failure, per backend)
  hold HOST PORT SECONDS               one connection: HOLD, prints "via NAME" at once, then exchanges a line every
                                       0.2 s for SECONDS; prints "held exchanges=N last=EPOCH" or "broken ..."
  attempts HOST PORT N TIMEOUT_S       N connection attempts; prints "ok=.. refused=.. reset=.. timeout=.. max_ms=.."
  spoof-toa SRC HOST PORT              sends a raw SYN that carries a forged TOA option (kind 254, 1.2.3.4:1)
"""
import hashlib
import os
import socket
import struct
import sys
import threading
import time


def serve(name, tcp_port, udp_port, log_file, lifetime):
    deadline = time.time() + lifetime

    def handle(conn, peer):
        try:
            conn.settimeout(max(1.0, deadline - time.time()))
            data = b""
            while b"\n" not in data:
                chunk = conn.recv(4096)
                if not chunk:
                    return
                data += chunk
            line, rest = data.split(b"\n", 1)
            who = ("%s %s:%d" % (name, peer[0], peer[1])).encode()
            if line.startswith(b"GET "):
                conn.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: %d\r\n\r\n%s\n" % (len(who) + 1, who))
            elif line == b"WHO":
                conn.sendall(who + b"\n")
            elif line == b"ECHO":
                if rest:
                    conn.sendall(rest)
                while True:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    conn.sendall(chunk)
            elif line == b"HOLD":
                conn.sendall(who + b"\n")
                pending = rest
                while True:
                    while b"\n" in pending:
                        one, pending = pending.split(b"\n", 1)
                        conn.sendall(one + b"\n")
                    chunk = conn.recv(4096)
                    if not chunk:
                        break
                    pending += chunk
            elif line == b"IDLE":
                conn.sendall(b"ok\n")
                try:
                    got = conn.recv(1)
                    outcome = "eof" if not got else "data"
                except ConnectionResetError:
                    outcome = "reset"
                except socket.timeout:
                    outcome = "timeout"
                with open(log_file, "a") as f:
                    f.write("%s idle %s:%d %s\n" % (name, peer[0], peer[1], outcome))
        except OSError:
            pass
        finally:
            conn.close()

    tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    tcp.bind(("0.0.0.0", tcp_port))
    tcp.listen(1024)
    tcp.settimeout(0.5)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("0.0.0.0", udp_port))
    udp.settimeout(0.5)

    def udp_loop():
        while time.time() < deadline:
            try:
                data, peer = udp.recvfrom(2048)
                udp.sendto(("%s %s:%d" % (name, peer[0], peer[1])).encode(), peer)
            except socket.timeout:
                pass

    threading.Thread(target=udp_loop, daemon=True).start()
    print("ready", flush=True)
    while time.time() < deadline:
        try:
            conn, peer = tcp.accept()
        except socket.timeout:
            continue
        threading.Thread(target=handle, args=(conn, peer), daemon=True).start()


def connect(host, port, timeout=5.0):
    s = socket.create_connection((host, port), timeout=timeout)
    return s


def read_line(s):
    data = b""
    while b"\n" not in data:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
    return data.split(b"\n", 1)[0].decode()


def who(host, port):
    s = connect(host, port)
    local = s.getsockname()[1]
    s.sendall(b"WHO\n")
    reply = read_line(s)
    s.close()
    print("%d %s" % (local, reply))


def many(host, port, n, timeout_s):
    ok = fail = 0
    start = time.time()
    errors = {}
    for _ in range(n):
        if time.time() - start > timeout_s:
            fail += 1
            errors["time"] = errors.get("time", 0) + 1
            continue
        try:
            s = connect(host, port, 3.0)
            s.sendall(b"WHO\n")
            if read_line(s):
                ok += 1
            else:
                fail += 1
                errors["empty"] = errors.get("empty", 0) + 1
            s.close()
        except OSError as e:
            fail += 1
            errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
    print("ok=%d fail=%d seconds=%.1f errors=%s" % (ok, fail, time.time() - start, errors))


def loop(host, port, seconds):
    """Short connections back to back for a fixed time; every one must get an answer."""
    ok = fail = 0
    errors = {}
    end = time.time() + seconds
    while time.time() < end:
        try:
            s = connect(host, port, 3.0)
            s.sendall(b"WHO\n")
            if read_line(s):
                ok += 1
            else:
                fail += 1
                errors["empty"] = errors.get("empty", 0) + 1
            s.close()
        except OSError as e:
            fail += 1
            errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
    print("ok=%d fail=%d errors=%s" % (ok, fail, errors))


def watch(host, port, seconds):
    """Like loop, but reports when the last failure happened and who answered after it."""
    ok = fail = 0
    last_fail = None
    after = {}
    end = time.time() + seconds
    while time.time() < end:
        try:
            s = connect(host, port, 3.0)
            s.sendall(b"WHO\n")
            reply = read_line(s)
            s.close()
        except OSError:
            reply = ""
        if reply:
            ok += 1
            name = reply.split(" ", 1)[0]
            after[name] = after.get(name, 0) + 1
        else:
            fail += 1
            last_fail = time.time()
            after = {}
    print("ok=%d fail=%d last_fail=%s end=%.3f after=%s" % (ok, fail, "none" if last_fail is None else "%.3f" % last_fail,
          time.time(), ",".join("%s:%d" % (k, v) for k, v in sorted(after.items()))))


def hold(host, port, seconds):
    s = connect(host, port)
    s.settimeout(5.0)
    s.sendall(b"HOLD\n")
    buffered = [b""]

    def line():
        while b"\n" not in buffered[0]:
            chunk = s.recv(4096)
            if not chunk:
                raise ConnectionError("eof")
            buffered[0] += chunk
        one, buffered[0] = buffered[0].split(b"\n", 1)
        return one.decode()

    print("via " + line().split(" ", 1)[0], flush=True)
    exchanges = 0
    end = time.time() + seconds
    try:
        while time.time() < end:
            sent = "ping %d" % exchanges
            s.sendall((sent + "\n").encode())
            got = line()
            if got != sent:
                print("broken exchanges=%d wrong echo %r" % (exchanges, got))
                return
            exchanges += 1
            time.sleep(0.2)
    except OSError as e:
        print("broken exchanges=%d %s" % (exchanges, type(e).__name__))
        return
    s.close()
    print("held exchanges=%d last=%.3f" % (exchanges, time.time()))


def attempts(host, port, n, timeout_s):
    counts = {"ok": 0, "refused": 0, "reset": 0, "timeout": 0, "other": 0}
    max_ms = 0.0
    for _ in range(n):
        start = time.time()
        try:
            s = socket.create_connection((host, port), timeout=timeout_s)
            s.close()
            counts["ok"] += 1
        except ConnectionRefusedError:
            counts["refused"] += 1
        except ConnectionResetError:
            counts["reset"] += 1
        except socket.timeout:
            counts["timeout"] += 1
        except OSError:
            counts["other"] += 1
        max_ms = max(max_ms, (time.time() - start) * 1000.0)
    print("ok=%d refused=%d reset=%d timeout=%d other=%d max_ms=%d" % (counts["ok"], counts["refused"], counts["reset"],
          counts["timeout"], counts["other"], max_ms))


def echo(host, port, size):
    payload = os.urandom(size)
    s = connect(host, port, 20.0)
    s.sendall(b"ECHO\n")
    received = []
    total = [0]

    def reader():
        while total[0] < size:
            chunk = s.recv(262144)
            if not chunk:
                break
            received.append(chunk)
            total[0] += len(chunk)

    t = threading.Thread(target=reader)
    t.start()
    s.sendall(payload)
    s.shutdown(socket.SHUT_WR)
    t.join(60)
    s.close()
    same = hashlib.sha256(b"".join(received)).digest() == hashlib.sha256(payload).digest()
    print("match" if same else "mismatch %d of %d bytes" % (total[0], size))


def idle(host, port, seconds):
    s = connect(host, port)
    s.sendall(b"IDLE\n")
    read_line(s)
    time.sleep(seconds)
    s.settimeout(5.0)
    try:
        got = s.recv(1)
        print("no-reset" if got else "eof")
    except ConnectionResetError:
        print("reset")
    except socket.timeout:
        print("no-reset")


def udp_one(host, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(3.0)
    s.sendto(b"hello", (host, port))
    print(s.recvfrom(2048)[0].decode())


def udp_many(host, port, n):
    socks = []
    answered = 0
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.settimeout(0.3)
        s.bind(("0.0.0.0", 0))
        s.sendto(b"x", (host, port))
        try:
            s.recvfrom(2048)
            answered += 1
        except socket.timeout:
            pass
        socks.append(s)
    print("answered=%d" % answered)
    first = socks[0]
    first.settimeout(3.0)
    first.sendto(b"again", (host, port))
    try:
        first.recvfrom(2048)
        print("first-again=yes")
    except socket.timeout:
        print("first-again=no")


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xffff) + (total >> 16)
    return ~total & 0xffff


def spoof_toa(src, host, port):
    sport = 40000 + os.getpid() % 20000
    options = struct.pack("!BBH", 2, 4, 1460) + struct.pack("!BBH4s", 254, 8, 1, socket.inet_aton("1.2.3.4"))
    offset = (20 + len(options)) // 4
    header = struct.pack("!HHIIBBHHH", sport, port, 12345, 0, offset << 4, 0x02, 65535, 0, 0) + options
    pseudo = socket.inet_aton(src) + socket.inet_aton(host) + struct.pack("!BBH", 0, 6, len(header))
    csum = checksum(pseudo + header)
    header = header[:16] + struct.pack("!H", csum) + header[18:]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    s.sendto(header, (host, 0))
    print("sent %d" % sport)


def main():
    args = sys.argv[1:]
    cmd = args[0]
    if cmd == "serve":
        serve(args[1], int(args[2]), int(args[3]), args[4], float(os.environ.get("L4PEER_LIFETIME", "300")))
    elif cmd == "who":
        who(args[1], int(args[2]))
    elif cmd == "many":
        many(args[1], int(args[2]), int(args[3]), float(args[4]))
    elif cmd == "loop":
        loop(args[1], int(args[2]), float(args[3]))
    elif cmd == "watch":
        watch(args[1], int(args[2]), float(args[3]))
    elif cmd == "hold":
        hold(args[1], int(args[2]), float(args[3]))
    elif cmd == "attempts":
        attempts(args[1], int(args[2]), int(args[3]), float(args[4]))
    elif cmd == "echo":
        echo(args[1], int(args[2]), int(args[3]))
    elif cmd == "idle":
        idle(args[1], int(args[2]), float(args[3]))
    elif cmd == "udp":
        udp_one(args[1], int(args[2]))
    elif cmd == "udpmany":
        udp_many(args[1], int(args[2]), int(args[3]))
    elif cmd == "spoof-toa":
        spoof_toa(args[1], args[2], int(args[3]))
    else:
        raise SystemExit("unknown command " + cmd)


if __name__ == "__main__":
    main()
