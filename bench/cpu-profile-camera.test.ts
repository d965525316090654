import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cameraLayer, cameraLayerArgs } from '../test/fixtures/camera-layer.js';
import { FPS, FULL, parseLayer } from './cpu-profile-camera.js';

const dir = mkdtempSync(join(tmpdir(), 'camera-layer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The encoder's arguments (libvpx in real time; a key frame every 2 s) and the output. */
const codec = (bitrate: string, keyEvery: number, out: string) => [
  ...['-c:v', 'libvpx', '-b:v', bitrate, '-g', String(keyEvery), '-deadline', 'realtime', '-cpu-used', '8'],
  ...['-an', out],
];
const from = (args: string[], arg: string) => args.slice(args.indexOf(arg));

describe('camera layers (the CPU bench and the quality bench share one recipe)', () => {
  const photo = { photo: 'face.jpg', seconds: 2, fps: FPS };

  it('codes the CPU bench camera: the photo cropped to 640×480 with noise, the lower layer decimated and shrunk', () => {
    const full = cameraLayerArgs(photo, FULL, 'full.ivf');
    expect(full).toEqual([
      ...['-hide_banner', '-loglevel', 'error', '-y', '-loop', '1', '-framerate', '30', '-i', 'face.jpg'],
      ...[
        '-t',
        '2',
        '-vf',
        'scale=640:480:force_original_aspect_ratio=increase,crop=640:480,noise=alls=8:allf=t,format=yuv420p',
      ],
      ...codec('1M', 60, 'full.ivf'),
    ]);
    const low = cameraLayerArgs(
      photo,
      parseLayer('480x360@15') as NonNullable<ReturnType<typeof parseLayer>>,
      'l.ivf',
    );
    expect(low[low.indexOf('-vf') + 1]).toBe(
      'scale=640:480:force_original_aspect_ratio=increase,crop=640:480,noise=alls=8:allf=t,fps=15,scale=480:360:flags=area,format=yuv420p',
    );
    expect(from(low, '-c:v')).toEqual(codec('300k', 30, 'l.ivf'));
  });

  it('codes the quality bench layer from one raw frame at the layer rate, area-converted at 640×480 too', () => {
    const raw = { rgb: 'frame.rgb', frames: 30 };
    const at = (width: number, height: number, fps: number, bitrate: string) =>
      cameraLayerArgs(raw, { width, height, fps, bitrate }, 'layer.ivf', { areaAtFullSize: true });
    const full = at(640, 480, 30, '1M');
    expect(full).toEqual([
      ...[
        '-hide_banner',
        '-loglevel',
        'error',
        '-y',
        '-stream_loop',
        '-1',
        '-f',
        'rawvideo',
        '-pix_fmt',
        'rgb24',
      ],
      ...['-s', '640x480', '-framerate', '30', '-i', 'frame.rgb', '-frames:v', '30'],
      ...['-vf', 'noise=alls=8:allf=t,scale=640:480:flags=area,format=yuv420p'],
      ...codec('1M', 60, 'layer.ivf'),
    ]);
    const low = at(320, 240, 15, '300k');
    expect(low[low.indexOf('-framerate') + 1]).toBe('15'); // no fps filter: the frames come at the layer's rate
    expect(low[low.indexOf('-vf') + 1]).toBe('noise=alls=8:allf=t,scale=320:240:flags=area,format=yuv420p');
    expect(from(low, '-c:v')).toEqual(codec('300k', 30, 'layer.ivf'));
    // without the option, 640×480 keeps ffmpeg's own conversion, as the CPU bench's camera does
    expect(cameraLayerArgs(raw, { width: 640, height: 480, fps: 30, bitrate: '1M' }, 'x.ivf')).toContain(
      'noise=alls=8:allf=t,format=yuv420p',
    );
  });

  it('gives a VP8 layer of its size, rate and key-frame interval (real ffmpeg)', () => {
    const rgb = join(dir, 'frame.rgb');
    const picture = Buffer.alloc(640 * 480 * 3);
    for (let i = 0; i < picture.length; i++) picture[i] = (i * 7) % 251; // a pattern, not a flat picture
    writeFileSync(rgb, picture);
    const out = join(dir, 'layer.ivf');
    cameraLayer({ rgb, frames: 45 }, { width: 320, height: 240, fps: 15, bitrate: '300k' }, out);
    const probe = (entries: string) =>
      execFileSync('ffprobe', [
        '-v',
        'error',
        '-select_streams',
        'v',
        '-show_entries',
        entries,
        '-of',
        'csv=p=0',
        out,
      ])
        .toString()
        .trim()
        .split('\n');
    expect(probe('stream=codec_name,width,height,r_frame_rate')).toEqual(['vp8,320,240,15/1']);
    const keys = probe('frame=key_frame').map(Number);
    expect(keys).toHaveLength(45);
    expect(keys[0]).toBe(1);
    const keyAt = keys.flatMap((k, i) => (k ? [i] : []));
    // a key frame at least every 2 s (30 frames at 15 fps)
    for (const [i, k] of keyAt.entries()) expect((keyAt[i + 1] ?? keys.length) - k).toBeLessThanOrEqual(30);
  });
});
