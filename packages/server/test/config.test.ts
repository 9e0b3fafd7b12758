import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, SPEC } from '../src/config.js';

describe('config', () => {
  it('has documented defaults', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.databaseUrl).toBeUndefined();
    expect(c.dataDir).toMatch(/\/data$/);
    expect(c.ssePingS).toBe(30);
    expect(c.accessTokenTtlS).toBe(900);
  });

  it('parses values from the environment', () => {
    const c = loadConfig({
      PORT: '9000',
      ALLOW_GUESTS: 'false',
      DATABASE_URL: 'postgres://u@h:5432/db',
      CORS_ORIGINS: 'https://a.example, https://b.example',
    });
    expect(c).toMatchObject({
      port: 9000,
      allowGuests: false,
      databaseUrl: 'postgres://u@h:5432/db',
      corsOrigins: ['https://a.example', 'https://b.example'],
    });
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        DATABASE_URL: 'mysql://x',
        LOG_LEVEL: 'loud',
        JWT_SECRET: 'short',
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ['PORT', 'DATABASE_URL', 'LOG_LEVEL', 'JWT_SECRET'])
      expect(message).toContain(name);
  });

  it('rejects out-of-range numbers', () => {
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT must be between 0 and 65535/);
  });

  it('.env.example documents every variable', () => {
    const example = readFileSync(new URL('../../../.env.example', import.meta.url), 'utf8');
    for (const spec of Object.values(SPEC))
      expect(example).toMatch(new RegExp(`^#? ?${spec.env}=`, 'm'));
  });
});
