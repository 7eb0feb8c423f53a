#!/usr/bin/env python3
"""A hostile local user of pos.sock, for the security tests (Tests/ScenicdTests/SecurityTests.swift).

Run as another Unix user (`runuser -u nobody -- python3 hostile-peer.py ...`), it speaks
ttrpc by hand with only the standard library, and prints one JSON object:

  login-flood SOCKET PHONE SECONDS THREADS   wrong-password logins from THREADS connections
  login SOCKET PHONE PASSWORD                one login: its status code, reason and time
  logins SOCKET PASSWORD COUNT PHONE...     COUNT logins a phone, the phones in turn, from
                                             one process: each one's status code, reason and time
  hold SOCKET COUNT SECONDS                  COUNT connections that each send 2 bytes and wait
"""
import json
import socket
import struct
import sys
import threading
import time


def varint(value):
    out = bytearray()
    while value >= 0x80:
        out.append(value & 0x7F | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def field(number, payload):
    return varint(number << 3 | 2) + varint(len(payload)) + payload


def read_varint(data, at):
    value, shift = 0, 0
    while True:
        byte = data[at]
        at += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, at
        shift += 7


def fields(data):
    """(number, wire type, value) of a message's top-level fields."""
    at = 0
    while at < len(data):
        key, at = read_varint(data, at)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, at = read_varint(data, at)
        elif wire == 2:
            length, at = read_varint(data, at)
            value, at = data[at:at + length], at + length
        elif wire == 1:
            value, at = data[at:at + 8], at + 8
        elif wire == 5:
            value, at = data[at:at + 4], at + 4
        else:
            raise ValueError("wire type %d" % wire)
        yield number, wire, value


def status_of(response):
    """The gRPC code and ErrorInfo reason of a ttrpc Response."""
    code, reason = 0, ""
    for number, _, value in fields(response):
        if number != 1:
            continue
        for inner, _, item in fields(value):
            if inner == 1:
                code = item
            elif inner == 3:  # a google.protobuf.Any detail
                parts = {n: v for n, _, v in fields(item)}
                if parts.get(1, b"").endswith(b"google.rpc.ErrorInfo"):
                    reason = {n: v for n, _, v in fields(parts.get(2, b""))}.get(1, b"").decode()
    return code, reason


class Connection:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
        self.stream = 1

    def call(self, service, method, payload, timeout=30.0):
        request = field(1, service.encode()) + field(2, method.encode()) + field(3, payload)
        self.sock.sendall(struct.pack(">IIBB", len(request), self.stream, 1, 0) + request)
        self.stream += 2
        self.sock.settimeout(timeout)
        header = self.exactly(10)
        length, _, _, _ = struct.unpack(">IIBB", header)
        return status_of(self.exactly(length))

    def exactly(self, count):
        data = b""
        while len(data) < count:
            chunk = self.sock.recv(count - len(data))
            if not chunk:
                raise ConnectionError("closed")
            data += chunk
        return data


def login_payload(phone, password):
    return field(1, phone.encode()) + field(2, password.encode())


def login(path, phone, password):
    started = time.monotonic()
    code, reason = Connection(path).call("scenic.v1.DistributorSession", "Login", login_payload(phone, password))
    return {"code": code, "reason": reason, "ms": round((time.monotonic() - started) * 1000, 1)}


def logins(path, password, count, phones):
    # In one process, so that a busy machine's process starts come between no two tries,
    # and the phones in turn, so that each one's tries meet the same load.
    answers = {phone: [] for phone in phones}
    for _ in range(count):
        for phone in phones:
            answers[phone].append(login(path, phone, password))
    return answers


def login_flood(path, phone, seconds, threads):
    until = time.monotonic() + seconds
    counts, lock = {}, threading.Lock()

    def run(index):
        try:
            connection = Connection(path)
        except OSError as error:
            key = "connect: " + error.__class__.__name__
            with lock:
                counts[key] = counts.get(key, 0) + 1
            return
        attempt = 0
        while time.monotonic() < until:
            attempt += 1
            try:
                code, reason = connection.call(
                    "scenic.v1.DistributorSession", "Login", login_payload(phone, "wrong %d %d" % (index, attempt)))
                key = "%d %s" % (code, reason)
            except (OSError, ConnectionError) as error:
                key = "error: " + error.__class__.__name__
                try:
                    connection = Connection(path)
                except OSError:
                    time.sleep(0.05)
            with lock:
                counts[key] = counts.get(key, 0) + 1

    workers = [threading.Thread(target=run, args=(index,)) for index in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return {"calls": sum(counts.values()), "answers": counts}


def hold(path, count, seconds):
    held, refused = [], 0
    for _ in range(count):
        try:
            connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            connection.connect(path)
            connection.sendall(b"\x00\x00")
            held.append(connection)
        except OSError:
            refused += 1
    time.sleep(0.5)
    closed_at_once = sum(1 for connection in held if closed(connection))
    time.sleep(max(0.0, seconds - 0.5))
    still_open = sum(1 for connection in held if not closed(connection))
    return {"opened": len(held), "refused": refused, "closed_at_once": closed_at_once, "still_open": still_open}


def closed(connection):
    connection.setblocking(False)
    try:
        return connection.recv(1) == b""
    except BlockingIOError:
        return False
    except OSError:
        return True


def main(argv):
    command, path = argv[1], argv[2]
    if command == "login-flood":
        result = login_flood(path, argv[3], float(argv[4]), int(argv[5]))
    elif command == "login":
        result = login(path, argv[3], argv[4])
    elif command == "logins":
        result = logins(path, argv[3], int(argv[4]), argv[5:])
    elif command == "hold":
        result = hold(path, int(argv[3]), float(argv[4]))
    else:
        raise SystemExit("unknown command " + command)
    print(json.dumps(result, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv)
