import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, toHttpUrl } from './config.js';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('uses the documented defaults for an empty environment', () => {
    expect(loadConfig({})).toEqual({
      livekitUrl: 'ws://127.0.0.1:7880',
      livekitPublicUrl: 'ws://127.0.0.1:7880',
      livekitApiKey: 'devkey',
      livekitApiSecret: 'secret',
      agentName: 'interview-helper',
      databaseUrl: undefined,
      pgliteDir: '.data/pglite',
      host: '127.0.0.1',
      port: 8787,
      tokenTtlSeconds: 900,
      webPublicUrl: 'http://127.0.0.1:5173',
      adminToken: undefined,
      sessionIdleEndMinutes: 10,
      trustProxy: false,
      supervisor: { arrivalTimeoutSeconds: 12, takenCheckSeconds: 7, maxAttempts: 4 },
    });
  });

  it('reads every variable and treats empty values as unset', () => {
    const config = loadConfig({
      LIVEKIT_URL: 'http://10.0.0.5:7880',
      LIVEKIT_PUBLIC_URL: 'https://rtc.example.org',
      LIVEKIT_API_KEY: 'key',
      LIVEKIT_API_SECRET: 'a-long-secret',
      AGENT_NAME: 'helper-2',
      DATABASE_URL: 'postgres://u:p@db:5432/ih',
      TOKEN_SERVER_HOST: '0.0.0.0',
      TOKEN_SERVER_PORT: '9000',
      TOKEN_TTL_SECONDS: '300',
      WEB_PUBLIC_URL: 'https://interviews.example.org/',
      ADMIN_TOKEN: '0123456789abcdef',
      PGLITE_DIR: '',
    });
    expect(config).toMatchObject({
      livekitUrl: 'http://10.0.0.5:7880',
      livekitPublicUrl: 'wss://rtc.example.org',
      agentName: 'helper-2',
      databaseUrl: 'postgres://u:p@db:5432/ih',
      host: '0.0.0.0',
      port: 9000,
      tokenTtlSeconds: 300,
      webPublicUrl: 'https://interviews.example.org',
      adminToken: '0123456789abcdef',
      pgliteDir: '.data/pglite',
    });
    const keys = { LIVEKIT_API_KEY: 'key', LIVEKIT_API_SECRET: 'a-long-secret' };
    expect(loadConfig({ ...keys, LIVEKIT_URL: 'wss://lk.example.org' }).livekitPublicUrl).toBe(
      'wss://lk.example.org',
    );
    expect(toHttpUrl('wss://lk.example.org')).toBe('https://lk.example.org');
  });

  it('refuses a token lifetime above 900 s unless explicitly allowed', () => {
    const err = configError({ TOKEN_TTL_SECONDS: '3600' });
    expect(err.issues).toEqual([expect.stringMatching(/^TOKEN_TTL_SECONDS: must be at most 900/)]);
    expect(loadConfig({ TOKEN_TTL_SECONDS: '3600', TOKEN_TTL_ALLOW_LONG: 'true' }).tokenTtlSeconds).toBe(
      3600,
    );
  });

  it('requires ADMIN_TOKEN when the server listens beyond loopback', () => {
    const keys = { LIVEKIT_API_KEY: 'key', LIVEKIT_API_SECRET: 'a-long-secret' };
    for (const host of ['0.0.0.0', '::', '10.1.2.3', 'example.org']) {
      const err = configError({ ...keys, TOKEN_SERVER_HOST: host });
      expect(err.issues, host).toEqual([
        expect.stringMatching(/^ADMIN_TOKEN: required when TOKEN_SERVER_HOST/),
      ]);
    }
    for (const host of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost'])
      expect(loadConfig({ TOKEN_SERVER_HOST: host }).adminToken, host).toBeUndefined();
    expect(loadConfig({ ...keys, TOKEN_SERVER_HOST: '0.0.0.0', ADMIN_TOKEN: 'x'.repeat(16) }).host).toBe(
      '0.0.0.0',
    );
  });

  it('refuses the development LiveKit credentials unless the whole stack is loopback', () => {
    const admin = { ADMIN_TOKEN: 'x'.repeat(16) };
    const outside: Record<string, string>[] = [
      { TOKEN_SERVER_HOST: '0.0.0.0', ...admin },
      { LIVEKIT_URL: 'wss://lk.example.org' },
      { LIVEKIT_PUBLIC_URL: 'ws://192.168.1.5:7880' },
    ];
    for (const env of outside) {
      const variants: Record<string, string>[] = [
        {},
        { LIVEKIT_API_KEY: 'devkey' },
        { LIVEKIT_API_SECRET: 'secret', LIVEKIT_API_KEY: 'k' },
      ];
      for (const creds of variants) {
        const err = configError({ ...env, ...creds });
        expect(err.issues, JSON.stringify({ env, creds })).toEqual([
          expect.stringMatching(/^LIVEKIT_API_KEY\/LIVEKIT_API_SECRET: the development credentials/),
        ]);
      }
      expect(loadConfig({ ...env, LIVEKIT_API_KEY: 'k', LIVEKIT_API_SECRET: 's' }).livekitApiKey).toBe('k');
    }
    expect(loadConfig({ LIVEKIT_URL: 'ws://localhost:7880' }).livekitApiSecret).toBe('secret');
  });

  it('reads the idle end and the proxy setting', () => {
    expect(loadConfig({ SESSION_IDLE_END_MINUTES: '0.5', TOKEN_SERVER_TRUST_PROXY: 'true' })).toMatchObject({
      sessionIdleEndMinutes: 0.5,
      trustProxy: true,
    });
    expect(configError({ SESSION_IDLE_END_MINUTES: '-1' }).issues[0]).toMatch(/^SESSION_IDLE_END_MINUTES/);
  });

  it('lists every invalid variable in one error', () => {
    const err = configError({
      LIVEKIT_URL: 'not a url',
      TOKEN_SERVER_PORT: '70000',
      TOKEN_TTL_SECONDS: 'soon',
      DATABASE_URL: 'mysql://x',
      ADMIN_TOKEN: 'short',
      AGENT_NAME: 'bad name!',
      TOKEN_TTL_ALLOW_LONG: 'yes',
    });
    const vars = err.issues.map((i) => i.split(':')[0]);
    expect(vars.sort()).toEqual(
      [
        'ADMIN_TOKEN',
        'AGENT_NAME',
        'DATABASE_URL',
        'LIVEKIT_URL',
        'TOKEN_SERVER_PORT',
        'TOKEN_TTL_ALLOW_LONG',
        'TOKEN_TTL_SECONDS',
      ].sort(),
    );
    expect(err.message).toContain('Invalid token server configuration');
    expect(err.message).toContain('TOKEN_SERVER_PORT');
  });
});
