#!/usr/bin/env python3
"""Writes the seed corpora of the two fuzz targets: Fuzz/Corpus/frame-decoder/ and
Fuzz/Corpus/router/. Standard library only: the few protobuf messages are encoded by hand.

    python3 Fuzz/make-seeds.py        # rewrites both directories

Router seeds are serialized ttrpc.Request messages (protos in Protos/). Frame-decoder
seeds are an options byte, chunk sizes, then a byte stream of ttrpc frames; the layout
is described at the top of Sources/fuzz-frame-decoder/FuzzFrameDecoder.swift.
"""

import os
import shutil
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "Corpus")


# --- protobuf wire format, just enough ------------------------------------------------

def varint(n):
    if n < 0:
        n += 1 << 64  # int32/int64 negatives are ten-byte varints
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def field_varint(number, value):
    return varint(number << 3 | 0) + varint(value) if value else b""


def field_bytes(number, value):
    if isinstance(value, str):
        value = value.encode()
    return varint(number << 3 | 2) + varint(len(value)) + value if value else b""


def key_value(key, value):
    return field_bytes(1, key) + field_bytes(2, value)


def ttrpc_request(service, method, payload=b"", timeout_nano=0, metadata=()):
    # ttrpc.Request: service = 1, method = 2, payload = 3, timeout_nano = 4, metadata = 5
    out = field_bytes(1, service) + field_bytes(2, method) + field_bytes(3, payload)
    out += field_varint(4, timeout_nano)
    for key, value in metadata:
        out += varint(5 << 3 | 2) + varint(len(key_value(key, value))) + key_value(key, value)
    return out


def sell_request(request_id, product_code, quantity, visit_date="", buyer_name="", buyer_phone=""):
    # scenic.v1.SellRequest: request_id = 1, product_code = 2, quantity = 3 (int32),
    # visit_date = 4, buyer_name = 5, buyer_phone = 6
    return (field_bytes(1, request_id) + field_bytes(2, product_code) + field_varint(3, quantity)
            + field_bytes(4, visit_date) + field_bytes(5, buyer_name) + field_bytes(6, buyer_phone))


def recharge_request(request_id, distributor_id, amount_fen, note=""):
    # scenic.v1.RechargeRequest: request_id = 1, distributor_id = 2, amount_fen = 3, note = 4
    return (field_bytes(1, request_id) + field_varint(2, distributor_id) + field_varint(3, amount_fen)
            + field_bytes(4, note))


def health_request(service=""):
    return field_bytes(1, service)  # grpc.health.v1.HealthCheckRequest: service = 1


def for_peer(request, peer, routed=False):
    """The fuzz target picks the caller from the input length (see FuzzRouter.swift):
    length % 5 == 4 is a uid refused by admission, 3 has no credentials, else uid 1000;
    and (length // 5) % 2 == 1 goes through Router.call(for:) and RoutedCall.run() instead
    of Router.respond. Pads the request with a metadata entry until its length picks both."""
    target = {"refused": [4], "none": [3], "allowed": [0, 1, 2]}[peer]

    def fits(data):
        return len(data) % 5 in target and (len(data) // 5) % 2 == int(routed)

    if fits(request):
        return request
    for k in range(1, 12):
        pad = key_value("pad", "x" * k)
        padded = request + varint(5 << 3 | 2) + varint(len(pad)) + pad
        if fits(padded):
            return padded
    raise AssertionError("no padding fits")


SESSION = [("scenic-session", "3q2-7Yb0cJ9xw1kQ4m8sVtUeR5aL6nZp")]


def router_seeds():
    seeds = {
        # The call PROTOCOL.md shows on the wire, byte for byte.
        "health-check": ttrpc_request("grpc.health.v1.Health", "Check"),
        "health-check-service": ttrpc_request("grpc.health.v1.Health", "Check", health_request("scenic.v1.Sales")),
        "health-check-unknown-service": ttrpc_request("grpc.health.v1.Health", "Check", health_request("nope")),
        "sell": ttrpc_request(
            "scenic.v1.Sales", "Sell",
            sell_request("r-1", "GATE-ADULT", 2, "2026-12-01", "Li Lei", "13800138000"),
            timeout_nano=30_000_000_000, metadata=SESSION + [("x-trace", "abc")]),
        "sell-no-session": ttrpc_request("scenic.v1.Sales", "Sell", sell_request("r-2", "GATE-ADULT", 1)),
        "sell-invalid": ttrpc_request("scenic.v1.Sales", "Sell", sell_request("", "", 0), metadata=SESSION),
        "sell-insufficient-balance": ttrpc_request(
            "scenic.v1.Sales", "Sell", sell_request("r-3", "BROKE", 3, buyer_name="Han Meimei"), metadata=SESSION),
        "sell-product-gone": ttrpc_request("scenic.v1.Sales", "Sell", sell_request("r-4", "GONE", 1), metadata=SESSION),
        "sell-internal": ttrpc_request("scenic.v1.Sales", "Sell", sell_request("r-5", "BOOM", 1), metadata=SESSION),
        "sell-tiny-timeout": ttrpc_request(
            "scenic.v1.Sales", "Sell", sell_request("r-6", "GATE", 1), timeout_nano=1, metadata=SESSION),
        "recharge": ttrpc_request(
            "scenic.v1.Account", "Recharge", recharge_request("r-7", 1, 20_000, "bank transfer"),
            timeout_nano=5_000_000_000),
        "recharge-invalid": ttrpc_request("scenic.v1.Account", "Recharge", recharge_request("r-8", 0, -5, "tab\there")),
        "balance": ttrpc_request("scenic.v1.Sales", "Balance", metadata=SESSION),
        "unknown-method": ttrpc_request("scenic.v1.System", "ServerInfo"),
        "malformed-payload": ttrpc_request("scenic.v1.Sales", "Sell", b"\xff\xff\xff"),
    }
    seeds = {name: for_peer(request, "allowed") for name, request in seeds.items()}
    for name in ["health-check", "sell", "sell-internal", "recharge", "unknown-method", "malformed-payload"]:
        seeds[name + "-routed-call"] = for_peer(seeds[name], "allowed", routed=True)
    seeds["recharge-no-credentials"] = for_peer(
        ttrpc_request("scenic.v1.Account", "Recharge", recharge_request("r-9", 2, 100)), "none")
    seeds["health-check-refused-peer"] = for_peer(ttrpc_request("grpc.health.v1.Health", "Check"), "refused")
    seeds["malformed-request"] = b"\x0a\xff\x01grpc"
    return seeds


# --- ttrpc frames -----------------------------------------------------------------------

REQUEST, RESPONSE, DATA = 1, 2, 3


def frame(stream_id, kind, payload=b"", flags=0, length=None):
    length = len(payload) if length is None else length
    return struct.pack(">IIBB", length, stream_id, kind, flags) + payload


def decoder_input(stream, chunk_sizes=(), cap_index=0, raw_append=False, scale16=False):
    assert len(chunk_sizes) <= 7
    options = len(chunk_sizes) | cap_index << 3 | (0x20 if raw_append else 0) | (0x40 if scale16 else 0)
    return bytes([options]) + bytes(chunk_sizes) + stream


def frame_decoder_seeds():
    health = frame(1, REQUEST, ttrpc_request("grpc.health.v1.Health", "Check"))
    answer = frame(1, RESPONSE, b"\x12\x02\x08\x01")
    call = health + answer
    tiny = b"".join(frame(n, REQUEST, b"x") for n in range(1, 380))  # 11-byte frames
    return {
        "health-call": decoder_input(call),
        "health-call-bytewise": decoder_input(call, [1]),
        "health-call-mixed-chunks": decoder_input(call, [3, 7, 0, 12], raw_append=True),
        "oversized-then-frame": decoder_input(frame(3, REQUEST, bytes(100)) + answer, [5]),
        "oversized-unfinished": decoder_input(frame(5, REQUEST, length=0xFFFFFFFF) + b"abc", [4]),
        "unknown-type": decoder_input(answer + frame(7, 4, b"zz"), [2, 9]),
        "unknown-flags": decoder_input(answer + frame(9, REQUEST, flags=0x08), [6]),
        "data-frame-all-flags": decoder_input(frame(11, DATA, flags=0x07) + answer),
        "cap-zero": decoder_input(frame(13, REQUEST) + frame(15, RESPONSE, b"a") + frame(17, REQUEST), [1, 10], cap_index=1),
        "many-frames-compaction": decoder_input(tiny, [0xFF, 0x02], scale16=True),
    }


def write(directory, seeds):
    path = os.path.join(CORPUS, directory)
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    for name, data in sorted(seeds.items()):
        with open(os.path.join(path, name), "wb") as f:
            f.write(data)
    print(f"{path}: {len(seeds)} seeds, {sum(map(len, seeds.values()))} bytes")


def main():
    expected = bytes.fromhex("0a156772 70632e68 65616c74 682e7631 2e486561 6c746812 05436865 636b".replace(" ", ""))
    assert ttrpc_request("grpc.health.v1.Health", "Check") == expected, "PROTOCOL.md's example changed"
    write("router", router_seeds())
    write("frame-decoder", frame_decoder_seeds())


if __name__ == "__main__":
    main()
