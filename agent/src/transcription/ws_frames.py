"""Server side of the WebSocket protocol (RFC 6455) over a blocking socket, stdlib only.

Enough for the realtime transcription endpoint of `pocketsphinx_server.py`: the opening
handshake, masked client frames (text, binary, continuation), ping/pong, close, and unmasked
server text frames. Messages larger than `MAX_MESSAGE` close the connection with 1009.
"""

import base64
import hashlib
import struct
import threading

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_MESSAGE = 8 * 1024 * 1024


class Closed(Exception):
    """The peer closed the connection, or broke the protocol."""


def accept_key(key: str) -> str:
    return base64.b64encode(hashlib.sha1((key + GUID).encode("ascii")).digest()).decode("ascii")


def is_upgrade(headers) -> bool:
    return (
        "websocket" in (headers.get("upgrade") or "").lower()
        and "upgrade" in (headers.get("connection") or "").lower()
        and bool(headers.get("sec-websocket-key"))
    )


def _unmask(mask: bytes, data: bytes) -> bytes:
    n = len(data)
    if n == 0:
        return data
    key = (mask * (n // 4 + 1))[:n]
    return (int.from_bytes(data, "little") ^ int.from_bytes(key, "little")).to_bytes(n, "little")


class WebSocket:
    """One accepted connection: `receive()` returns text messages, `send_text()` sends one."""

    def __init__(self, rfile, wfile):
        self._r = rfile
        self._w = wfile
        self._lock = threading.Lock()
        self.closed = False

    def _read(self, n: int) -> bytes:
        data = self._r.read(n)
        if data is None or len(data) < n:
            raise Closed("connection lost")
        return data

    def _send(self, opcode: int, payload: bytes) -> None:
        n = len(payload)
        if n < 126:
            header = struct.pack("!BB", 0x80 | opcode, n)
        elif n < 1 << 16:
            header = struct.pack("!BBH", 0x80 | opcode, 126, n)
        else:
            header = struct.pack("!BBQ", 0x80 | opcode, 127, n)
        with self._lock:
            if self.closed and opcode != 0x8:
                raise Closed("connection closed")
            self._w.write(header + payload)
            self._w.flush()

    def send_text(self, text: str) -> None:
        self._send(0x1, text.encode("utf-8"))

    def close(self, code: int = 1000, reason: str = "") -> None:
        if self.closed:
            return
        self.closed = True
        try:
            self._send(0x8, struct.pack("!H", code) + reason.encode("utf-8")[:120])
        except OSError:
            pass

    def receive(self) -> str:
        """The next text (or UTF-8 binary) message; raises `Closed` when the connection ends."""
        parts: list = []
        size = 0
        while True:
            b1, b2 = self._read(2)
            fin, opcode, masked, n = b1 & 0x80, b1 & 0x0F, b2 & 0x80, b2 & 0x7F
            if n == 126:
                n = struct.unpack("!H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack("!Q", self._read(8))[0]
            if not masked:
                self.close(1002, "client frames must be masked")
                raise Closed("unmasked client frame")
            if opcode >= 0x8 and (n > 125 or not fin):
                self.close(1002, "bad control frame")
                raise Closed("bad control frame")
            if size + n > MAX_MESSAGE:
                self.close(1009, "message too big")
                raise Closed("message too big")
            mask = self._read(4)
            payload = _unmask(mask, self._read(n))
            if opcode == 0x8:  # close: answer and stop
                self.close()
                raise Closed("closed by peer")
            if opcode == 0x9:
                self._send(0xA, payload)
                continue
            if opcode == 0xA:
                continue
            if opcode not in (0x0, 0x1, 0x2):
                self.close(1002, "unknown opcode")
                raise Closed("unknown opcode")
            if (opcode == 0x0) != bool(parts):
                self.close(1002, "bad fragmentation")
                raise Closed("bad fragmentation")
            parts.append(payload)
            size += n
            if fin:
                try:
                    return b"".join(parts).decode("utf-8")
                except UnicodeDecodeError:
                    self.close(1007, "invalid UTF-8")
                    raise Closed("invalid UTF-8") from None
