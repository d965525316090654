"""The OpenAI realtime transcription protocol on one WebSocket, recognised with PocketSphinx.

Client events: `session.update` / `transcription_session.update` (audio format, turn detection),
`input_audio_buffer.append` (base64 little-endian PCM16 mono at the session rate, 24 kHz unless set),
`input_audio_buffer.commit`, `input_audio_buffer.clear`. Server events: `session.created`,
`session.updated`, `input_audio_buffer.speech_started` / `speech_stopped` (server VAD only),
`input_audio_buffer.committed`, `conversation.item.input_audio_transcription.delta` (words added
to PocketSphinx's partial hypothesis while audio arrives) and `.completed`, `error`.

Turn detection `null` (or absent) commits on the client's `commit`; `server_vad` commits when
PocketSphinx's own voice activity endpointer sees the speech end. Bad input gets an `error` event
with a stable `code` and the connection stays open.
"""

import array
import base64
import binascii
import itertools
import json
import sys
import time

from pocketsphinx import Endpointer

from ws_frames import Closed, WebSocket

RATE = 16000
DELTA_EVERY = RATE // 4 * 2  # bytes of 16 kHz audio between two partial hypotheses (0.25 s)
_ids = itertools.count(1)


def _id(prefix: str) -> str:
    return f"{prefix}_{int(time.time() * 1000):x}{next(_ids):06d}"


class Resampler:
    """Linear-interpolation PCM16 resampler to 16 kHz that keeps its phase across chunks."""

    def __init__(self, rate: int):
        self.step = rate / RATE
        self.pos = 0.0  # position of the next output sample, in input samples since `prev`
        self.prev = 0

    def push(self, data: bytes) -> bytes:
        src = array.array("h")
        src.frombytes(data[: len(data) - len(data) % 2])
        if sys.byteorder == "big":
            src.byteswap()
        if self.step == 1.0:
            out = src
        else:
            out = array.array("h")
            n, pos, prev, step = len(src), self.pos, self.prev, self.step
            while pos < n:
                i = int(pos)
                frac = pos - i
                a = prev if i == 0 else src[i - 1]
                b = src[i]
                out.append(int(a + (b - a) * frac))
                pos += step
            self.pos = pos - n
            if n:
                self.prev = src[-1]
        if sys.byteorder == "big":
            out.byteswap()
        return out.tobytes()


class RealtimeSession:
    """One transcription session; `run()` serves it until the client goes away."""

    def __init__(self, ws: WebSocket, acquire, release, log):
        self.ws = ws
        self._acquire, self._release, self._log = acquire, release, log
        self.decoder = None
        self.rate = 24000
        self.resampler = Resampler(self.rate)
        self.server_vad = False
        self.endpointer = None
        self.pending = b""  # 16 kHz audio not yet given to the endpointer (server VAD)
        self.in_utt = False
        self.item = ""
        self.audio_bytes = 0  # 16 kHz bytes in the current item
        self.total_ms = 0.0
        self.since_delta = 0
        self.words: list = []  # words already sent as deltas for the current item
        self.last_hyp: list = []  # the previous partial hypothesis of the current item
        self.previous_item = None

    def send(self, event: dict) -> None:
        event.setdefault("event_id", _id("event"))
        self.ws.send_text(json.dumps(event))

    def error(self, code: str, message: str, event_id=None) -> None:
        self.send(
            {
                "type": "error",
                "error": {"type": "invalid_request_error", "code": code, "message": message, "event_id": event_id},
            }
        )

    def session(self) -> dict:
        turn = {"type": "server_vad"} if self.server_vad else None
        return {
            "type": "transcription",
            "object": "realtime.transcription_session",
            "audio": {"input": {"format": {"type": "audio/pcm", "rate": self.rate}, "turn_detection": turn}},
        }

    def run(self) -> None:
        self.decoder = self._acquire()
        try:
            self.send({"type": "session.created", "session": self.session()})
            while True:
                try:
                    raw = self.ws.receive()
                except Closed:
                    return
                try:
                    event = json.loads(raw)
                    if not isinstance(event, dict) or not isinstance(event.get("type"), str):
                        raise ValueError("an event is a JSON object with a string `type`")
                except ValueError as err:
                    self.error("invalid_event", f"not a valid event: {err}")
                    continue
                try:
                    self.handle(event)
                except (Closed, OSError):
                    raise
                except Exception as err:  # noqa: BLE001 - one bad event never ends the session
                    self._log(f"realtime: {type(err).__name__}: {err}")
                    self.error("server_error", f"could not handle {event['type'][:80]!r}")
        except (Closed, OSError):
            return
        finally:
            if self.in_utt:
                self.decoder.end_utt()
            self._release(self.decoder)

    def handle(self, event: dict) -> None:
        kind, eid = event["type"], event.get("event_id")
        if kind in ("session.update", "transcription_session.update"):
            self.configure(event.get("session") or {}, eid)
        elif kind == "input_audio_buffer.append":
            audio = event.get("audio")
            try:
                pcm = base64.b64decode(audio if isinstance(audio, str) else "", validate=True)
            except (binascii.Error, ValueError):
                return self.error("invalid_audio", "`audio` must be base64 PCM16", eid)
            self.append(self.resampler.push(pcm))
        elif kind == "input_audio_buffer.commit":
            if not self.in_utt or self.audio_bytes < RATE * 2 // 100:
                return self.error("input_audio_buffer_commit_empty", "the input audio buffer is empty", eid)
            self.finish()
        elif kind == "input_audio_buffer.clear":
            if self.in_utt:
                self.decoder.end_utt()
            self.in_utt = False
            self.send({"type": "input_audio_buffer.cleared"})
        else:
            self.error("unknown_event", f"unsupported event type {kind[:80]!r}", eid)

    def configure(self, s, eid) -> None:
        def obj(x) -> dict:
            return x if isinstance(x, dict) else {}

        if not isinstance(s, dict):
            return self.error("invalid_session", "`session` must be an object", eid)
        audio_in = obj(obj(s.get("audio")).get("input"))
        fmt = audio_in.get("format")
        if isinstance(fmt, dict):
            rate = fmt.get("rate", 24000)
            if fmt.get("type", "audio/pcm") != "audio/pcm" or not isinstance(rate, int) or not 8000 <= rate <= 48000:
                return self.error("unsupported_format", "only audio/pcm at 8-48 kHz is supported", eid)
            if rate != self.rate:
                self.rate, self.resampler = rate, Resampler(rate)
        elif s.get("input_audio_format") not in (None, "pcm16"):
            return self.error("unsupported_format", "only pcm16 is supported", eid)
        turn = audio_in["turn_detection"] if "turn_detection" in audio_in else s.get("turn_detection")
        if turn is not None and (not isinstance(turn, dict) or turn.get("type") != "server_vad"):
            return self.error("unsupported_turn_detection", "turn_detection must be null or server_vad", eid)
        self.server_vad = turn is not None
        if self.server_vad and self.endpointer is None:
            silence = turn.get("silence_duration_ms", 500)
            window = min(1.0, max(0.3, (silence if isinstance(silence, (int, float)) else 500) / 1000))
            self.endpointer = Endpointer(window=window, sample_rate=RATE)
        self.send({"type": "session.updated", "session": self.session()})

    def begin(self) -> None:
        self.item = _id("item")
        self.decoder.start_utt()
        self.in_utt, self.audio_bytes, self.since_delta, self.words, self.last_hyp = True, 0, 0, [], []

    def append(self, pcm: bytes) -> None:
        if self.server_vad:
            return self.append_vad(pcm)
        if not self.in_utt:
            self.begin()
        self.feed(pcm)

    def feed(self, pcm: bytes) -> None:
        self.decoder.process_raw(pcm, full_utt=False)
        self.audio_bytes += len(pcm)
        self.since_delta += len(pcm)
        if self.since_delta >= DELTA_EVERY:
            self.since_delta = 0
            self.send_delta()

    def send_delta(self) -> None:
        """Sends the words that two partial hypotheses in a row agree on (minus the newest one)."""
        hyp = self.decoder.hyp()
        words = hyp.hypstr.split() if hyp else []
        stable = []
        for a, b in zip(words[:-1], self.last_hyp):
            if a != b:
                break
            stable.append(a)
        self.last_hyp = words
        if len(stable) > len(self.words) and stable[: len(self.words)] == self.words:
            self.send(
                {
                    "type": "conversation.item.input_audio_transcription.delta",
                    "item_id": self.item,
                    "content_index": 0,
                    "delta": (" " if self.words else "") + " ".join(stable[len(self.words) :]),
                }
            )
            self.words = stable

    def append_vad(self, pcm: bytes) -> None:
        ep = self.endpointer
        self.pending += pcm
        size = ep.frame_bytes
        while len(self.pending) >= size:
            frame, self.pending = self.pending[:size], self.pending[size:]
            self.total_ms += 1000 * ep.frame_length
            was = ep.in_speech
            speech = ep.process(frame)
            if ep.in_speech and not was:
                self.begin()
                self.send(
                    {
                        "type": "input_audio_buffer.speech_started",
                        "item_id": self.item,
                        "audio_start_ms": int(ep.speech_start * 1000),
                    }
                )
            if speech is not None and self.in_utt:
                self.feed(speech)
            if was and not ep.in_speech and self.in_utt:
                self.send(
                    {
                        "type": "input_audio_buffer.speech_stopped",
                        "item_id": self.item,
                        "audio_end_ms": int(ep.speech_end * 1000),
                    }
                )
                self.finish()

    def finish(self) -> None:
        started = time.perf_counter()
        self.decoder.end_utt()
        self.in_utt = False
        hyp = self.decoder.hyp()
        text = hyp.hypstr if hyp else ""
        item, previous = self.item, self.previous_item
        self.previous_item = item
        self.send({"type": "input_audio_buffer.committed", "item_id": item, "previous_item_id": previous})
        self.send(
            {
                "type": "conversation.item.input_audio_transcription.completed",
                "item_id": item,
                "content_index": 0,
                "transcript": text,
            }
        )
        self._log(
            f"realtime: {self.audio_bytes / 2 / RATE:.2f} s audio, final in {time.perf_counter() - started:.3f} s"
        )
