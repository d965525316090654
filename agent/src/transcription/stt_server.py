#!/usr/bin/env python3
"""The machine's local speech recognizer: one long-lived process, shared by every room, loopback only.

It speaks the OpenAI transcription API (aiohttp):

  POST /v1/audio/transcriptions   multipart/form-data: a WAV `file` (PCM 8/16/24/32-bit or float, any rate,
                                  any channel count), optional `model`, `language`, `prompt`,
                                  `response_format` = json | text | verbose_json
  POST /low/v1/audio/transcriptions   the same at low priority: refused (503 `busy`) unless the recognizer is idle
  GET  /health, /v1/models        readiness and the model served
  GET  /stats                     queue depth, decodes in flight, counters (interim-only decodes apart), audio and
                                  CPU seconds, RSS

Backends (`--backend`): `whisper` (faster-whisper / CTranslate2, int8 on CPU, from an absolute model directory,
never from a model hub) and `pocketsphinx` (the previous engine, kept for side-by-side benchmarks).

Falling behind (`--fallback-model-dir`, e.g. tiny.en beside base): when a decode starts and clearing what waits with
the main model would take longer than `--fallback-after-ms` (its audio seconds x the main model's CPU seconds per
audio second x the wall seconds per CPU second of recent decodes), that request is decoded with the faster model:
on a machine too busy to keep up, a slightly less accurate transcript in time rather than an accurate one too late.
`verbose_json` names the model that decoded a request; `GET /stats` counts the faster model's decodes apart.

Load control: at most `--workers` decodes run at once and at most `--queue` requests wait; past that a request is
answered at once with 503 `queue_full` (and `retry-after`), never dropped silently. A request that waited longer
than its deadline (`x-stt-deadline-ms` header, else `--deadline-ms`) or whose client went away is not decoded
(504 `deadline_exceeded`). Audio is resampled to 16 kHz with soxr (VHQ) and mixed down to mono.

Whisper's invented words on silence and noise are suppressed by: the caller's VAD gating (segments of speech
only), `condition_on_previous_text=False`, and dropping decoded segments whose no-speech probability, mean log
probability or compression ratio say they are not speech (see `--no-speech`, `--min-logprob`, `--max-compression`).

Usage: stt_server.py --backend whisper --model-dir /abs/path [--fallback-model-dir /abs/path] [--host 127.0.0.1]
       [--port 0]
Prints `listening on http://HOST:PORT` on stdout once the model is loaded and it accepts connections.
SIGTERM and SIGINT (also while the model loads) stop it with exit code 0: a request to stop, not a crash.
With `--exit-on-stdin-eof` it stops the same way when its stdin reaches end-of-file: its parent (the agent worker,
which starts it in a process group of its own, out of reach of a signal to the worker's group) holds the other end
of that pipe, which closes when the parent dies, however it dies; so it never outlives its worker.
"""

import argparse
import asyncio
import io
import json
import math
import os
import resource
import signal
import sys
import threading
import time
import wave
from concurrent.futures import ThreadPoolExecutor

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for a model hub, whatever the path
# Native thread pools (OpenMP) sized to --threads, set before numpy and CTranslate2 load.
_threads_at = sys.argv.index("--threads") + 1 if "--threads" in sys.argv else 0
os.environ["OMP_NUM_THREADS"] = sys.argv[_threads_at] if 0 < _threads_at < len(sys.argv) else "1"


STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def _stop(_signum, _frame) -> None:
    # Exits at once: an exception (SystemExit) raised wherever the imports or the model load happen to be could be
    # caught there (a bare `except:`) or turned into another error. Nothing is served then, nothing to clean up.
    os._exit(0)


# Asked to stop (SIGTERM to the worker's whole process group as it shuts down, Ctrl-C in a terminal): exit 0, so its
# supervisor logs a stop, not a crash to restart. Set before the slow imports and the model load; while it serves,
# `serve` stops gracefully instead.
for _sig in STOP_SIGNALS:
    signal.signal(_sig, _stop)


def _stop_at_stdin_eof() -> None:
    # Reads (and drops) stdin until end-of-file: the parent died or closed it. Then stops as on SIGTERM (at once
    # while loading, gracefully while serving), and exits regardless if that has not happened 10 s later.
    try:
        while sys.stdin.buffer.read1(4096):
            pass
    except (AttributeError, OSError, ValueError):  # no stdin at all: nothing to wait for
        pass
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(10)
    os._exit(0)


if "--exit-on-stdin-eof" in sys.argv:
    threading.Thread(target=_stop_at_stdin_eof, name="stdin-eof", daemon=True).start()

import numpy as np
import soxr
from aiohttp import web

RATE = 16000
MAX_BODY = 25 * 1024 * 1024  # OpenAI's own upload limit


class BadRequest(Exception):
    pass


def decode_wav(data: bytes) -> np.ndarray:
    """A WAV file as 16 kHz mono float32 in [-1, 1] (soxr resampling, channel average)."""
    try:
        with wave.open(io.BytesIO(data)) as w:
            channels, width, rate = w.getnchannels(), w.getsampwidth(), w.getframerate()
            frames = w.readframes(w.getnframes())
    except (wave.Error, EOFError) as err:
        raise BadRequest(f"file is not a PCM WAV: {err}") from err
    if channels < 1 or rate < 4000 or rate > 192000:
        raise BadRequest(f"unsupported WAV: {channels} channels at {rate} Hz")
    if width == 1:
        pcm = (np.frombuffer(frames, np.uint8).astype(np.float32) - 128) / 128
    elif width == 2:
        pcm = np.frombuffer(frames[: len(frames) - len(frames) % 2], "<i2").astype(np.float32) / 32768
    elif width == 3:
        b = np.frombuffer(frames[: len(frames) - len(frames) % 3], np.uint8).reshape(-1, 3).astype(np.int32)
        pcm = ((b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16)) << 8 >> 8).astype(np.float32) / 8388608
    elif width == 4:
        pcm = np.frombuffer(frames[: len(frames) - len(frames) % 4], "<i4").astype(np.float32) / 2147483648
    else:
        raise BadRequest(f"unsupported sample width {width}")
    pcm = pcm[: len(pcm) - len(pcm) % channels].reshape(-1, channels).mean(axis=1)
    if rate != RATE:
        pcm = soxr.resample(pcm, rate, RATE, quality="VHQ")
    return np.ascontiguousarray(pcm, dtype=np.float32)


class WhisperBackend:
    """faster-whisper on CPU (int8). One model object; CTranslate2 lets decodes run in parallel threads."""

    def __init__(self, model_dir: str, threads: int, beam: int, window: str, filters: dict):
        if not os.path.isabs(model_dir) or not os.path.isfile(os.path.join(model_dir, "model.bin")):
            raise SystemExit(f"no Whisper model at {model_dir!r} (an absolute directory): run `npm run models:fetch`")
        import faster_whisper.transcribe as fwt
        from faster_whisper import WhisperModel

        if window == "fit":
            # Whisper's encoder always sees 30 s (3000 frames); CTranslate2 also accepts a shorter window.
            # A window of the segment's length + 3 s, at least 10 s, cuts the encoder's cost about 4x on
            # segments of a few seconds with the same words as the full window on our clips; windows of
            # only +1 s made greedy decoding loop on short espeak-ng phrases (docs/stt.md).
            pad = fwt.pad_or_trim

            def fit(array, length: int = 3000, *, axis: int = -1):
                n = array.shape[axis]
                return pad(array, min(length, max(1000, int(math.ceil((n + 300) / 100) * 100))), axis=axis)

            fwt.pad_or_trim = fit
        self.model = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=threads, num_workers=1)
        base = os.path.basename(model_dir.rstrip("/"))
        self.name = base if base.startswith("whisper-") else f"whisper-{base}"
        self.beam, self.filters = beam, filters

    def transcribe(self, audio: np.ndarray, language: str, prompt: str) -> dict:
        f = self.filters
        segments, _info = self.model.transcribe(
            audio,
            language=language or None,
            beam_size=self.beam,
            temperature=0.0,
            condition_on_previous_text=False,
            initial_prompt=prompt or None,
            without_timestamps=True,
            no_speech_threshold=f["no_speech"],
            log_prob_threshold=f["min_logprob"],
            compression_ratio_threshold=f["max_compression"],
            vad_filter=False,  # the caller sends VAD-cut speech
        )
        kept, dropped = [], []
        for s in segments:
            bad = (
                (s.no_speech_prob > f["no_speech"] and s.avg_logprob < f["min_logprob"])
                or s.compression_ratio > f["max_compression"]
                or s.avg_logprob < f["drop_logprob"]
            )
            item = {
                "text": s.text.strip(),
                "start": round(s.start, 2),
                "end": round(s.end, 2),
                "no_speech_prob": round(s.no_speech_prob, 3),
                "avg_logprob": round(s.avg_logprob, 3),
                "compression_ratio": round(s.compression_ratio, 2),
            }
            (dropped if bad else kept).append(item)
        text = " ".join(s["text"] for s in kept if s["text"])
        return {"text": text, "segments": kept, "dropped": dropped}


class PocketsphinxBackend:
    """CMU PocketSphinx 5 with the US English model of its PyPI wheel (the previous engine)."""

    def __init__(self):
        import queue

        from pocketsphinx import Decoder

        self._pool, self._make = queue.SimpleQueue(), lambda: Decoder(samprate=RATE, loglevel="FATAL")
        self._pool.put(self._make())
        self.name = "pocketsphinx-en-us"

    def transcribe(self, audio: np.ndarray, language: str, prompt: str) -> dict:
        import queue

        try:
            d = self._pool.get_nowait()
        except queue.Empty:
            d = self._make()
        try:
            pcm = (np.clip(audio, -1, 1) * 32767).astype("<i2").tobytes()
            d.start_utt()
            d.process_raw(pcm, full_utt=True)
            d.end_utt()
            hyp = d.hyp()
            return {"text": hyp.hypstr if hyp else "", "segments": [], "dropped": []}
        finally:
            self._pool.put(d)


class Pace:
    """How fast decodes go: CPU seconds per audio second of each model, wall seconds per CPU second of recent decodes
    (how much of a core the decodes get), as moving averages; and which model a decode starting now should use."""

    WEIGHT = 0.3  # of the newest decode in each average

    def __init__(self, main: str, fallback: str | None, after_s: float):
        self.main, self.fallback, self.after_s = main, fallback, after_s
        self.cpu_per_audio: dict[str, float] = {}
        self.wall_per_cpu: float | None = None

    def record(self, model: str, audio_s: float, cpu_s: float, wall_s: float) -> None:
        if audio_s <= 0 or cpu_s <= 0:
            return
        w = self.WEIGHT
        old = self.cpu_per_audio.get(model)
        rate = cpu_s / audio_s
        self.cpu_per_audio[model] = rate if old is None else (1 - w) * old + w * rate
        ratio = max(1.0, wall_s / cpu_s)
        self.wall_per_cpu = ratio if self.wall_per_cpu is None else (1 - w) * self.wall_per_cpu + w * ratio

    def clearing_s(self, audio_s: float) -> float | None:
        """Seconds the main model would take to decode `audio_s` now; None before its first decode."""
        rate = self.cpu_per_audio.get(self.main)
        if rate is None or self.wall_per_cpu is None:
            return None
        return audio_s * rate * self.wall_per_cpu

    def choose(self, backlog_s: float, workers: int = 1) -> str:
        """The model for a decode starting now, with `backlog_s` audio seconds to clear (its own and what waits)
        by `workers` decoding side by side."""
        if self.fallback is None:
            return self.main
        clearing = self.clearing_s(backlog_s / max(1, workers))
        return self.fallback if clearing is not None and clearing > self.after_s else self.main


class Recognizer:
    """Bounded admission in front of a backend: `workers` decoding, at most `queue` waiting; with a fallback backend,
    the decodes that start while it is behind use the faster model (see `Pace`)."""

    def __init__(self, backend, workers: int, queue: int, deadline_ms: int, fallback=None, fallback_after_ms=2000):
        self.backend, self.workers, self.max_queue, self.deadline_ms = backend, workers, queue, deadline_ms
        self.fallback = fallback
        self.backends = {b.name: b for b in (backend, fallback) if b is not None}
        self.pace = Pace(backend.name, fallback.name if fallback else None, fallback_after_ms / 1000)
        self.waiting_audio = 0.0
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="decode")
        self.slots = asyncio.Semaphore(workers)
        self.waiting = 0
        self.running = 0
        self.counts = {"ok": 0, "rejected": 0, "lowPriorityRefused": 0, "expired": 0, "failed": 0}
        self.audio_seconds = 0.0
        self.decode_seconds = 0.0
        self.cpu_seconds = 0.0
        self.max_waiting = 0
        # Low-priority (interim-only) decodes: how many, their audio and the process CPU time they took.
        self.low = {"ok": 0, "audioSeconds": 0.0, "cpuSeconds": 0.0}
        # Decodes by the faster model because the main one was behind: how many, their audio and CPU time.
        self.fell_back = {"ok": 0, "audioSeconds": 0.0, "cpuSeconds": 0.0}

    def stats(self) -> dict:
        rss_kb = 0
        try:
            with open("/proc/self/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        rss_kb = int(line.split()[1])
        except OSError:
            pass
        return {
            "model": self.backend.name,
            "queueDepth": self.waiting,
            "maxQueue": self.max_queue,
            "maxQueueDepthSeen": self.max_waiting,
            "inFlight": self.running,
            "workers": self.workers,
            "requests": dict(self.counts),
            "audioSeconds": round(self.audio_seconds, 2),
            "decodeSeconds": round(self.decode_seconds, 2),
            "cpuSeconds": round(time.process_time(), 2),
            "lowPriority": {k: round(v, 2) for k, v in self.low.items()},
            "fallback": None
            if self.fallback is None
            else {
                "model": self.fallback.name,
                "afterMs": round(self.pace.after_s * 1000),
                **{k: round(v, 2) for k, v in self.fell_back.items()},
            },
            "rssBytes": rss_kb * 1024,
            "peakRssBytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        }

    async def run(self, audio: np.ndarray, language: str, prompt: str, deadline: float, gone, low=False) -> dict:
        if low and (self.waiting > 0 or self.slots.locked()):
            # Low priority (interim-only decodes): only on an idle recognizer, never queued.
            self.counts["lowPriorityRefused"] += 1
            raise web.HTTPServiceUnavailable(
                text=error_json("busy", "low-priority request refused: the recognizer is busy"),
                content_type="application/json",
            )
        if self.waiting >= self.max_queue and self.slots.locked():
            self.counts["rejected"] += 1
            raise web.HTTPServiceUnavailable(
                text=error_json("queue_full", f"recognizer busy: {self.waiting} requests waiting"),
                content_type="application/json",
                headers={"retry-after": "1"},
            )
        audio_s = len(audio) / RATE
        self.waiting += 1
        self.waiting_audio += audio_s
        self.max_waiting = max(self.max_waiting, self.waiting)
        try:
            await self.slots.acquire()
        finally:
            self.waiting -= 1
            self.waiting_audio = max(0.0, self.waiting_audio - audio_s)
        try:
            if time.monotonic() > deadline or gone():
                self.counts["expired"] += 1
                raise web.HTTPGatewayTimeout(
                    text=error_json("deadline_exceeded", "the request's deadline passed while it waited"),
                    content_type="application/json",
                )
            backend = self.backends[self.pace.choose(audio_s + self.waiting_audio, self.workers)]
            self.running += 1
            started = time.perf_counter()
            cpu = time.process_time()
            try:
                result = await asyncio.get_running_loop().run_in_executor(
                    self.pool, backend.transcribe, audio, language, prompt
                )
            except Exception:
                self.counts["failed"] += 1
                raise
            finally:
                self.running -= 1
            took = time.perf_counter() - started
            used = time.process_time() - cpu
            # The process's CPU time over the decode: this decode's own with one worker; with several, shared out
            # among the decodes that ran beside it (an estimate).
            self.pace.record(backend.name, audio_s, used / (1 + self.running), took)
            self.counts["ok"] += 1
            self.audio_seconds += audio_s
            self.decode_seconds += took
            if low:
                self.low["ok"] += 1
                self.low["audioSeconds"] += audio_s
                self.low["cpuSeconds"] += used
            if backend is not self.backend:
                self.fell_back["ok"] += 1
                self.fell_back["audioSeconds"] += audio_s
                self.fell_back["cpuSeconds"] += used
            result["model"] = backend.name
            result["duration"] = round(audio_s, 3)
            result["decode_seconds"] = round(took, 3)
            return result
        finally:
            self.slots.release()


def error_json(code: str, message: str, kind: str = "invalid_request_error") -> str:
    return json.dumps({"error": {"message": message, "type": kind, "code": code}})


def app_for(rec: Recognizer, log) -> web.Application:
    async def transcriptions(request: web.Request) -> web.StreamResponse:
        received = time.monotonic()
        try:
            budget = float(request.headers.get("x-stt-deadline-ms") or rec.deadline_ms)
        except ValueError:
            budget = rec.deadline_ms
        fields = {}
        try:
            reader = await request.multipart()
            async for part in reader:
                if part.name:
                    fields[part.name] = await part.read(decode=False)
            if "file" not in fields:
                raise BadRequest("missing file")
            audio = decode_wav(bytes(fields["file"]))
        except BadRequest as err:
            return web.json_response(json.loads(error_json("invalid_audio", str(err))), status=400)
        except (ValueError, AssertionError) as err:
            return web.json_response(json.loads(error_json("invalid_body", f"not multipart/form-data: {err}")), status=400)
        language = fields.get("language", b"").decode() or "en"
        prompt = fields.get("prompt", b"").decode()
        transport = request.transport
        result = await rec.run(
            audio,
            language.split("-")[0],
            prompt,
            received + budget / 1000,
            lambda: transport is None or transport.is_closing(),
            low=request.match_info.get("priority") == "low",
        )
        log(f"{result['duration']:.2f} s audio in {result['decode_seconds']:.2f} s: {result['text'][:60]!r}")
        fmt = fields.get("response_format", b"json").decode() or "json"
        if fmt == "text":
            return web.Response(text=result["text"])
        if fmt == "verbose_json":
            return web.json_response({"task": "transcribe", "language": language, **result})
        return web.json_response({"text": result["text"]})

    async def models(_request: web.Request) -> web.Response:
        return web.json_response({"object": "list", "data": [{"id": rec.backend.name, "object": "model"}]})

    async def stats(_request: web.Request) -> web.Response:
        return web.json_response(rec.stats())

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_post("/v1/audio/transcriptions", transcriptions)
    # Same API, low priority: decoded only when nothing else waits or runs (interim captions).
    app.router.add_post("/{priority:low}/v1/audio/transcriptions", transcriptions)
    app.router.add_get("/v1/models", models)
    app.router.add_get("/health", models)
    app.router.add_get("/stats", stats)
    return app


async def serve(args, rec: Recognizer) -> None:
    log = (lambda line: sys.stderr.write(f"stt-server: {line}\n")) if not args.quiet else (lambda _l: None)
    # On stop, requests in flight get about 1 s to finish (aiohttp waits up to 0.5 s twice: measured 1.0 s with a
    # queue of 6); the rest fail and are retried by their transcriber.
    runner = web.AppRunner(app_for(rec, log), access_log=None, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, args.host, args.port)
    await site.start()
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in STOP_SIGNALS:
        loop.add_signal_handler(sig, stopping.set)
    host, port = site._server.sockets[0].getsockname()[:2]  # the port chosen for --port 0
    print(f"listening on http://{host}:{port}", flush=True)
    try:
        await stopping.wait()
    finally:
        for sig in STOP_SIGNALS:  # another request to stop exits at once from here on
            loop.remove_signal_handler(sig)
            signal.signal(sig, _stop)
        await runner.cleanup()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backend", choices=["whisper", "pocketsphinx"], default="whisper")
    ap.add_argument("--model-dir", help="absolute path of a CTranslate2 Whisper model (whisper backend)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--workers", type=int, default=1, help="decodes at once")
    ap.add_argument("--threads", type=int, default=1, help="CPU threads per decode")
    ap.add_argument("--queue", type=int, default=16, help="requests waiting at most; past it: 503 queue_full")
    ap.add_argument("--deadline-ms", type=int, default=20000, help="default deadline of a request")
    ap.add_argument("--fallback-model-dir", help="absolute path of a faster Whisper model for when it falls behind")
    ap.add_argument(
        "--fallback-after-ms",
        type=int,
        default=2000,
        help="use the fallback model for a decode when clearing what waits with the main one would take longer",
    )
    ap.add_argument("--beam", type=int, default=5, help="beam size (1 = greedy)")
    ap.add_argument("--window", choices=["fit", "full"], default="fit", help="encoder window: segment length or 30 s")
    ap.add_argument("--no-speech", type=float, default=0.6)
    ap.add_argument("--min-logprob", type=float, default=-1.0)
    ap.add_argument("--drop-logprob", type=float, default=-1.5)
    ap.add_argument("--max-compression", type=float, default=2.4)
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--exit-on-stdin-eof", action="store_true", help="stop when stdin closes (the parent died)")
    args = ap.parse_args()
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit("the recognizer listens on loopback only")
    filters = {
        "no_speech": args.no_speech,
        "min_logprob": args.min_logprob,
        "drop_logprob": args.drop_logprob,
        "max_compression": args.max_compression,
    }
    fallback = None
    if args.backend == "whisper":
        backend = WhisperBackend(args.model_dir or "", args.threads, args.beam, args.window, filters)
        backend.transcribe(np.zeros(RATE // 2, np.float32), "en", "")  # warm up before announcing readiness
        if args.fallback_model_dir:
            fallback = WhisperBackend(args.fallback_model_dir, args.threads, args.beam, args.window, filters)
            fallback.transcribe(np.zeros(RATE // 2, np.float32), "en", "")
            if fallback.name == backend.name:
                raise SystemExit(f"the fallback model is the main model ({backend.name})")
    elif args.fallback_model_dir:
        raise SystemExit("--fallback-model-dir needs --backend whisper")
    else:
        backend = PocketsphinxBackend()
    rec = Recognizer(backend, args.workers, args.queue, args.deadline_ms, fallback, args.fallback_after_ms)
    asyncio.run(serve(args, rec))
    # Stopped: decodes still waiting are dropped, and the one running (nobody waits for its answer) does not hold
    # the exit back, as the interpreter's exit would wait for its thread.
    rec.pool.shutdown(wait=False, cancel_futures=True)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
