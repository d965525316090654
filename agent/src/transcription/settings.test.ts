import { describe, expect, it } from 'vitest';
import { audioSettingsFromEnv, longPauseSecondsFromEnv } from './settings.js';

describe('audio settings', () => {
  it('defaults to the local Whisper base recognizer, transcribing while spoken, and an 8 s long pause', () => {
    expect(audioSettingsFromEnv({})).toMatchObject({
      engine: 'local',
      mode: 'realtime',
      localModel: 'whisper-base',
      queue: 16,
      language: 'en',
      maxAttempts: 4,
      longPauseSeconds: 8,
    });
  });

  it('names what is wrong, and the analysers fall back instead of throwing', () => {
    expect(() => audioSettingsFromEnv({ STT_ENGINE: 'whisper' })).toThrow(/STT_ENGINE/);
    expect(() => audioSettingsFromEnv({ STT_LOCAL_MODEL: 'large' })).toThrow(/STT_LOCAL_MODEL/);
    expect(audioSettingsFromEnv({ STT_LOCAL_MODEL: 'tiny.en' }).localModel).toBe('whisper-tiny.en');
    expect(audioSettingsFromEnv({ STT_ENGINE: 'none' }).engine).toBe('none');
    expect(audioSettingsFromEnv({ STT_ENGINE: 'openai', OPENAI_API_KEY: 'k' }).mode).toBe('batch');
    expect(() => audioSettingsFromEnv({ STT_ENGINE: 'local', STT_MODE: 'live' })).toThrow(/STT_MODE/);
    expect(audioSettingsFromEnv({ STT_ENGINE: 'local', STT_MODE: 'realtime' }).mode).toBe('realtime');
    expect(() => audioSettingsFromEnv({ STT_ENGINE: 'openai' })).toThrow(/OPENAI_API_KEY or STT_BASE_URL/);
    expect(
      audioSettingsFromEnv({ STT_ENGINE: 'openai', STT_BASE_URL: 'http://127.0.0.1:9/v1' }).baseURL,
    ).toBe('http://127.0.0.1:9/v1');
    expect(longPauseSecondsFromEnv({ VAD_LONG_PAUSE_SECONDS: 'soon' })).toBe(8);
    expect(longPauseSecondsFromEnv({ VAD_LONG_PAUSE_SECONDS: '5' })).toBe(5);
  });
});
