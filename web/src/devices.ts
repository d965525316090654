import {
  createAudioAnalyser,
  createLocalAudioTrack,
  createLocalVideoTrack,
  type LocalAudioTrack,
  type LocalTrack,
  type LocalVideoTrack,
  Room,
  VideoPresets43,
} from 'livekit-client';
import { type DeviceKind, describeMediaError, type UserFacingError } from './errors.js';

const KIND: Record<DeviceKind, MediaDeviceKind> = { camera: 'videoinput', microphone: 'audioinput' };

/** Options of {@link DevicePreview}. */
export interface DevicePreviewOptions {
  /** Capture size of the camera; 640x480 is what the agent's video analysers are tuned for. */
  resolution: { width: number; height: number; frameRate?: number };
}

const defaultOptions: DevicePreviewOptions = { resolution: VideoPresets43.h480.resolution };

/**
 * Camera and microphone opened before joining: shown as a preview, switchable between devices, and published as
 * they are once the person joins (so the device picked here is the one the room gets).
 */
export class DevicePreview {
  readonly #opts: DevicePreviewOptions;
  #camera: LocalVideoTrack | undefined;
  #microphone: LocalAudioTrack | undefined;
  #analyser: ReturnType<typeof createAudioAnalyser> | undefined;
  #started: Promise<UserFacingError[]> | undefined;

  constructor(options: Partial<DevicePreviewOptions> = {}) {
    this.#opts = { ...defaultOptions, ...options };
  }

  /** Opens camera and microphone independently; returns one error per device that failed. */
  start(): Promise<UserFacingError[]> {
    this.#started ??= this.#open();
    return this.#started;
  }

  /**
   * Resolves once the devices asked for by {@link start} are open or refused (at once when it was never
   * called): joining waits for it, so a quick Join never publishes a room without the camera and microphone.
   */
  async ready(): Promise<void> {
    await this.#started?.catch(() => undefined);
  }

  async #open(): Promise<UserFacingError[]> {
    const [camera, microphone] = await Promise.allSettled([
      createLocalVideoTrack({ resolution: this.#opts.resolution }),
      createLocalAudioTrack({ echoCancellation: true, noiseSuppression: true }),
    ]);
    const errors: UserFacingError[] = [];
    if (camera.status === 'fulfilled') this.#camera = camera.value;
    else errors.push(describeMediaError(camera.reason, 'camera'));
    if (microphone.status === 'fulfilled') this.#setMicrophone(microphone.value);
    else errors.push(describeMediaError(microphone.reason, 'microphone'));
    return errors;
  }

  /** Capture devices of `kind` (labels are known once access was granted). */
  async devices(kind: DeviceKind): Promise<MediaDeviceInfo[]> {
    return Room.getLocalDevices(KIND[kind], false);
  }

  /** The device currently used for `kind`. */
  async activeDevice(kind: DeviceKind): Promise<string | undefined> {
    return (kind === 'camera' ? this.#camera : this.#microphone)?.getDeviceId();
  }

  /** Switches `kind` to another device. */
  async use(kind: DeviceKind, deviceId: string): Promise<UserFacingError | undefined> {
    const track = kind === 'camera' ? this.#camera : this.#microphone;
    try {
      if (track) await track.setDeviceId({ exact: deviceId });
      return undefined;
    } catch (error) {
      return describeMediaError(error, kind);
    }
  }

  /** Microphone level 0..1, for a level meter. */
  level(): number {
    return this.#analyser?.calculateVolume() ?? 0;
  }

  get camera(): LocalVideoTrack | undefined {
    return this.#camera;
  }

  /** The open tracks, to publish. */
  get tracks(): LocalTrack[] {
    return [this.#camera, this.#microphone].filter(
      (t): t is LocalVideoTrack | LocalAudioTrack => t !== undefined,
    );
  }

  /** Stops the level meter; with `stopTracks` also releases the devices. */
  async stop(stopTracks = true): Promise<void> {
    await this.#analyser?.cleanup();
    this.#analyser = undefined;
    if (stopTracks) for (const track of this.tracks) track.stop();
  }

  #setMicrophone(track: LocalAudioTrack): void {
    this.#microphone = track;
    try {
      this.#analyser = createAudioAnalyser(track, { cloneTrack: true });
    } catch {
      // a level meter is a nicety: no AudioContext, no meter
    }
  }
}
