import { FfiRequest, FfiResponse, livekitFfiRequest, VideoConvertRequest } from '@livekit/rtc-ffi-bindings';
import { VideoBufferType, VideoFrame } from '@livekit/rtc-node';
import { describe, expect, it } from 'vitest';
import { DecodedFrame, FrameReleasedError } from './video-stream.js';

const W = 64;
const H = 48;

/** An I420 frame of one colour in the SDK's native memory, as a remote track's frames arrive. */
function nativeI420(r: number, g: number, b: number) {
  const rgba = new Uint8Array(W * H * 4);
  for (let i = 0; i < rgba.length; i += 4) rgba.set([r, g, b, 255], i);
  // converting once initialises the SDK's FFI client, whose native buffers the request below returns
  new VideoFrame(rgba, W, H, VideoBufferType.RGBA).convert(VideoBufferType.I420);
  const res = FfiResponse.fromBinary(
    livekitFfiRequest(
      new FfiRequest({
        message: {
          case: 'videoConvert',
          value: new VideoConvertRequest({
            flipY: false,
            buffer: new VideoFrame(rgba, W, H, VideoBufferType.RGBA).protoInfo(),
            dstType: VideoBufferType.I420,
          }),
        },
      }).toBinary(),
    ),
  );
  if (res.message.case !== 'videoConvert' || res.message.value.message.case !== 'buffer')
    throw new Error('conversion failed');
  return res.message.value.message.value;
}

describe('DecodedFrame', () => {
  it('converts the native I420 buffer to RGB24 once, on demand', () => {
    const frame = new DecodedFrame(nativeI420(200, 40, 90), 123n);
    expect([frame.width, frame.height, frame.timestampUs]).toEqual([W, H, 123n]);
    const rgb = frame.rgb();
    expect(rgb.type).toBe(VideoBufferType.RGB24);
    expect([rgb.width, rgb.height, rgb.data.length]).toEqual([W, H, W * H * 3]);
    const [r, g, b] = rgb.data.subarray((W * (H / 2) + W / 2) * 3);
    // I420 keeps colour at half resolution and in limited range: a few levels off
    expect(Math.abs((r as number) - 200)).toBeLessThan(8);
    expect(Math.abs((g as number) - 40)).toBeLessThan(8);
    expect(Math.abs((b as number) - 90)).toBeLessThan(8);
    // converted pixels outlive the native buffer
    frame.release();
    expect(frame.rgb()).toBe(rgb);
  });

  it('a frame released before anyone asked for its pixels cannot be read', () => {
    const frame = new DecodedFrame(nativeI420(10, 10, 10), 0n);
    frame.release();
    frame.release();
    expect(() => frame.rgb()).toThrow(FrameReleasedError);
  });
});
