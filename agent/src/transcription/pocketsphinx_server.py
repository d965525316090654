#!/usr/bin/env python3
"""A local, offline speech-to-text server that speaks the OpenAI transcription API.

GET /v1/realtime?intent=transcription (WebSocket) speaks the OpenAI realtime transcription
protocol (see `realtime_transcription.py`): audio streamed in, partial and final text out.

POST /v1/audio/transcriptions (multipart/form-data with a WAV `file`, optional `model`,
`language`, `response_format` = json | text | verbose_json) runs CMU PocketSphinx with the US
English acoustic model, dictionary and language model that ship inside the `pocketsphinx`
package on PyPI, so it needs no key, no network and no model download.

Usage: pocketsphinx_server.py [--host 127.0.0.1] [--port 0]
Prints `listening on http://HOST:PORT` on stdout once it accepts connections.
"""

import argparse
import array
import io
import json
import queue
import sys
import time
import wave
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from pocketsphinx import Decoder

from realtime_transcription import RealtimeSession
from ws_frames import WebSocket, accept_key, is_upgrade

RATE = 16000
MAX_BODY = 25 * 1024 * 1024  # OpenAI's own upload limit
IDLE_SECONDS = 600  # a realtime connection silent this long is closed
_pool: "queue.SimpleQueue[Decoder]" = queue.SimpleQueue()


def acquire() -> Decoder:
    """A decoder for one request or connection (not thread-safe; loading one takes ~0.3 s)."""
    try:
        return _pool.get_nowait()
    except queue.Empty:
        return Decoder(samprate=RATE, loglevel="FATAL")


def release(d: Decoder) -> None:
    _pool.put(d)


class BadRequest(Exception):
    pass


def parse_form(content_type: str, body: bytes) -> dict:
    """Parses multipart/form-data into {name: bytes}."""
    if not content_type.startswith("multipart/form-data"):
        raise BadRequest("expected multipart/form-data")
    msg = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    )
    if not msg.is_multipart():
        raise BadRequest("malformed multipart body")
    fields = {}
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name:
            fields[name] = part.get_payload(decode=True) or b""
    return fields


def pcm16_mono_16k(wav_bytes: bytes) -> bytes:
    """Decodes a PCM WAV of any rate and channel count to 16 kHz mono 16-bit."""
    try:
        with wave.open(io.BytesIO(wav_bytes)) as w:
            channels, width, rate = w.getnchannels(), w.getsampwidth(), w.getframerate()
            frames = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as err:
        raise BadRequest(f"file is not a PCM WAV: {err}") from err
    if width != 2:
        raise BadRequest(f"only 16-bit PCM is supported, not {8 * width}-bit")
    if channels < 1:
        raise BadRequest("no channels")
    # Pure Python (audioop is gone from Python 3.13): the agent sends 16 kHz mono, so these
    # conversions only run for other callers.
    samples = array.array("h")
    samples.frombytes(frames[: len(frames) - len(frames) % (2 * channels)])
    if sys.byteorder == "big":
        samples.byteswap()
    if channels > 1:
        samples = array.array("h", (sum(samples[i : i + channels]) // channels for i in range(0, len(samples), channels)))
    if rate != RATE:
        n = int(len(samples) * RATE / rate)
        step = rate / RATE
        samples = array.array("h", (samples[min(len(samples) - 1, int(i * step))] for i in range(n)))
    if sys.byteorder == "big":
        samples.byteswap()
    frames = samples.tobytes()
    return frames


def transcribe(pcm: bytes) -> dict:
    d = acquire()
    try:
        d.start_utt()
        d.process_raw(pcm, full_utt=True)
        d.end_utt()
        hyp = d.hyp()
        text = hyp.hypstr if hyp else ""
        words = []
        for seg in d.seg():
            w = seg.word
            if w.startswith("<") or w.startswith("[") or w == "<sil>":
                continue
            words.append({"word": w.split("(")[0], "start": seg.start_frame / 100, "end": seg.end_frame / 100})
    finally:
        release(d)
    return {"text": text, "words": words, "duration": len(pcm) / 2 / RATE}


class Handler(BaseHTTPRequestHandler):
    server_version = "pocketsphinx-openai/1"

    def log_message(self, fmt, *args):  # quiet: one line per request on stderr
        sys.stderr.write("stt-server: " + (fmt % args) + "\n")

    def _json(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: int, message: str, code: str) -> None:
        self._json(status, {"error": {"message": message, "type": "invalid_request_error", "code": code}})

    def do_GET(self):
        if self.path.split("?")[0].rstrip("/") == "/v1/realtime":
            return self._realtime()
        if self.path in ("/health", "/v1/models"):
            self._json(200, {"object": "list", "data": [{"id": "pocketsphinx-en-us", "object": "model"}]})
        else:
            self._error(404, "not found", "not_found")

    def _realtime(self) -> None:
        """Upgrades to a WebSocket and serves one realtime transcription session on it."""
        if not is_upgrade(self.headers):
            return self._error(426, "this endpoint needs a WebSocket upgrade", "upgrade_required")
        self.protocol_version = "HTTP/1.1"  # RFC 6455 answers an upgrade with HTTP/1.1 101
        self.send_response(101, "Switching Protocols")
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept_key(self.headers["sec-websocket-key"]))
        self.end_headers()
        self.wfile.flush()
        self.close_connection = True
        self.connection.settimeout(IDLE_SECONDS)
        ws = WebSocket(self.rfile, self.wfile)
        RealtimeSession(ws, acquire, release, lambda line: sys.stderr.write(f"stt-server: {line}\n")).run()
        ws.close()

    def do_POST(self):
        if self.path.rstrip("/") != "/v1/audio/transcriptions":
            return self._error(404, "not found", "not_found")
        length = int(self.headers.get("content-length") or 0)
        if length <= 0 or length > MAX_BODY:
            return self._error(413 if length > MAX_BODY else 400, "body missing or too large", "invalid_body")
        body = self.rfile.read(length)
        started = time.perf_counter()
        try:
            fields = parse_form(self.headers.get("content-type", ""), body)
            if "file" not in fields:
                raise BadRequest("missing file")
            result = transcribe(pcm16_mono_16k(fields["file"]))
        except BadRequest as err:
            return self._error(400, str(err), "invalid_audio")
        except Exception as err:  # noqa: BLE001 - never take the server down
            return self._error(500, f"recognition failed: {err}", "server_error")
        fmt = fields.get("response_format", b"json").decode() or "json"
        sys.stderr.write(
            f"stt-server: {result['duration']:.2f} s audio in {time.perf_counter() - started:.2f} s\n"
        )
        if fmt == "text":
            data = result["text"].encode()
            self.send_response(200)
            self.send_header("content-type", "text/plain")
            self.send_header("content-length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        elif fmt == "verbose_json":
            self._json(200, {"task": "transcribe", "language": "english", **result})
        else:
            self._json(200, {"text": result["text"]})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    release(acquire())  # load the model before announcing readiness
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    host, port = server.server_address[:2]
    print(f"listening on http://{host}:{port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
