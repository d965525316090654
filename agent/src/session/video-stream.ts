import type { EventEmitter } from 'node:events';
import {
  type FfiEvent,
  FfiHandle,
  FfiRequest,
  FfiResponse,
  livekitCopyBuffer,
  livekitFfiRequest,
  NewVideoStreamRequest,
  type NewVideoStreamResponse,
  type OwnedVideoBuffer,
  VideoBufferType,
  VideoConvertRequest,
  VideoStreamType,
} from '@livekit/rtc-ffi-bindings';
import { type RemoteTrack, VideoFrame } from '@livekit/rtc-node';

/** Thrown by {@link DecodedFrame.rgb} once the frame's native buffer was released. */
export class FrameReleasedError extends Error {
  constructor() {
    super('video frame released: call rgb() before later frames of the track arrive');
    this.name = 'FrameReleasedError';
  }
}

/**
 * One decoded frame still in the SFU client's native memory. Nothing is copied into JavaScript until
 * {@link DecodedFrame.rgb} asks for pixels, and then only the RGB24 result: the I420 → RGB24 conversion
 * reads the native buffer directly. A frame nobody samples costs no copy and no garbage.
 */
export class DecodedFrame {
  readonly width: number;
  readonly height: number;
  readonly timestampUs: bigint;
  #owned?: OwnedVideoBuffer;
  #rgb?: VideoFrame;

  /** @internal */
  constructor(owned: OwnedVideoBuffer, timestampUs: bigint) {
    this.#owned = owned;
    this.width = owned.info?.width ?? 0;
    this.height = owned.info?.height ?? 0;
    this.timestampUs = timestampUs;
  }

  /** The frame as packed RGB24, converted once. Throws {@link FrameReleasedError} after release. */
  rgb(): VideoFrame {
    if (this.#rgb) return this.#rgb;
    const info = this.#owned?.info;
    if (!info) throw new FrameReleasedError();
    const res = FfiResponse.fromBinary(
      livekitFfiRequest(
        new FfiRequest({
          message: {
            case: 'videoConvert',
            value: new VideoConvertRequest({ flipY: false, buffer: info, dstType: VideoBufferType.RGB24 }),
          },
        }).toBinary(),
      ),
    );
    if (res.message.case !== 'videoConvert') throw new Error('unexpected FFI response to videoConvert');
    const result = res.message.value.message;
    if (result.case !== 'buffer') throw new Error(`video conversion failed: ${result.value ?? 'unknown'}`);
    const out = result.value;
    const w = out.info?.width ?? 0;
    const h = out.info?.height ?? 0;
    const data = livekitCopyBuffer(out.info?.dataPtr ?? 0n, w * h * 3);
    new FfiHandle(out.handle?.id ?? 0n).dispose();
    this.#rgb = new VideoFrame(data, w, h, VideoBufferType.RGB24);
    this.release();
    return this.#rgb;
  }

  /** Frees the native buffer (idempotent); pixels already converted stay readable. */
  release(): void {
    const owned = this.#owned;
    this.#owned = undefined;
    if (owned?.handle?.id !== undefined) new FfiHandle(owned.handle.id).dispose();
  }
}

/** Options of {@link DecodedVideoStream}. */
export interface DecodedVideoStreamOptions {
  /** Frames handed out whose native buffer stays available after newer ones were handed out (≥ 1). */
  retain: number;
}

export const defaultDecodedVideoStreamOptions: DecodedVideoStreamOptions = { retain: 2 };

/** The SDK's FFI event emitter (rtc-node keeps its one client on `globalThis`). */
function ffiEvents(): EventEmitter {
  const client = (globalThis as { _ffiClientInstance?: EventEmitter })._ffiClientInstance;
  if (!client) throw new Error('the LiveKit FFI client is not initialised (no room connected)');
  return client;
}

/**
 * The decoded frames of a remote video track as {@link DecodedFrame}s kept in native memory: the FFI stream
 * rtc-node's `VideoStream` opens, without its copy of every frame into JavaScript. A frame that arrives before the
 * previous one was read replaces it (the analysers only ever want the latest); a frame handed out keeps its
 * buffer until `retain` newer frames were handed out (unless converted before); {@link close} releases the rest.
 *
 * ```ts
 * const stream = new DecodedVideoStream(track);
 * try {
 *   for await (const frame of stream.frames(signal)) if (wanted) use(frame.rgb());
 * } finally {
 *   stream.close();
 * }
 * ```
 */
export class DecodedVideoStream {
  #retain: number;
  #handle: FfiHandle;
  #emitter: EventEmitter;
  #pending?: DecodedFrame;
  #handedOut: DecodedFrame[] = [];
  #ended = false;
  #closed = false;
  #wake?: () => void;
  #superseded = 0;

  constructor(track: RemoteTrack, opts: Partial<DecodedVideoStreamOptions> = {}) {
    this.#retain = Math.max(1, opts.retain ?? defaultDecodedVideoStreamOptions.retain);
    this.#emitter = ffiEvents();
    const res = FfiResponse.fromBinary(
      livekitFfiRequest(
        new FfiRequest({
          message: {
            case: 'newVideoStream',
            value: new NewVideoStreamRequest({
              type: VideoStreamType.VIDEO_STREAM_NATIVE,
              trackHandle: track.ffi_handle.handle,
            }),
          },
        }).toBinary(),
      ),
    );
    const id = (res.message.value as NewVideoStreamResponse).stream?.handle?.id;
    if (id === undefined) throw new Error('the SDK opened no video stream');
    this.#handle = new FfiHandle(id);
    this.#emitter.on('ffi_event', this.#onEvent);
  }

  /** Frames that arrived and were replaced by a newer one before being read. */
  get superseded(): number {
    return this.#superseded;
  }

  #onEvent = (ev: FfiEvent) => {
    if (ev.message.case !== 'videoStreamEvent' || ev.message.value.streamHandle !== this.#handle.handle)
      return;
    const e = ev.message.value.message;
    if (e.case === 'frameReceived' && e.value.buffer) {
      const frame = new DecodedFrame(e.value.buffer, e.value.timestampUs ?? 0n);
      if (this.#closed) frame.release();
      else {
        if (this.#pending) {
          this.#pending.release();
          this.#superseded++;
        }
        this.#pending = frame;
      }
    } else if (e.case === 'eos') this.#ended = true;
    this.#wake?.();
  };

  /** The frames as they arrive, until the track ends, `signal` aborts or the stream is closed. */
  async *frames(signal?: AbortSignal): AsyncGenerator<DecodedFrame> {
    const onAbort = () => this.#wake?.();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      while (!signal?.aborted && !this.#closed) {
        const next = this.#pending;
        if (next) {
          this.#pending = undefined;
          this.#handedOut.push(next);
          while (this.#handedOut.length > this.#retain) this.#handedOut.shift()?.release();
          yield next;
          continue;
        }
        if (this.#ended) break;
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        this.#wake = undefined;
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Stops the stream and releases every native buffer it still holds (idempotent). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#emitter.off('ffi_event', this.#onEvent);
    this.#pending?.release();
    this.#pending = undefined;
    for (const f of this.#handedOut.splice(0)) f.release();
    this.#handle.dispose();
    this.#wake?.();
  }
}
