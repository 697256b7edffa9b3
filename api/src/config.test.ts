import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ConfigError, parseConfig } from '@folio/shared/config';
import { describe, expect, it } from 'vitest';
import { apiConfigSchema } from './config.js';
import { isLoopbackUrl } from './oidc/loopback.js';

const base = {
  DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/unused',
  SECRET_KEY: 'test-secret-key-test-secret-key-0123456789',
  KEY_FILE: '/unused/folio.key',
  OIDC_CLIENT_ID: 'folio',
  OIDC_CLIENT_SECRET: 'secret',
};
const issuerProblems = (issuer: string) => {
  try {
    parseConfig(apiConfigSchema, { ...base, OIDC_ISSUER: issuer });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

describe('OIDC_ISSUER', () => {
  it('accepts https anywhere and plain http only on loopback', () => {
    for (const ok of [
      'https://idp.example.com',
      'http://127.0.0.1:4000',
      'http://127.9.9.9',
      'http://localhost:8080/realms/x',
      'http://[::1]:4000',
    ]) {
      expect(issuerProblems(ok), ok).toEqual([]);
    }
    for (const bad of [
      'http://idp.example.com',
      'http://10.0.0.5:4000',
      'http://localhost.evil.com',
      'ftp://x',
    ]) {
      expect(issuerProblems(bad).join('\n'), bad).toMatch(/^OIDC_ISSUER: must be https/);
    }
    expect(isLoopbackUrl(new URL('http://128.0.0.1'))).toBe(false);
  });

  it('the API process refuses a non-loopback http issuer at start-up with a clear error', () => {
    const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
    const result = spawnSync(process.execPath, [main], {
      env: { ...process.env, ...base, OIDC_ISSUER: 'http://idp.example.com', LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('OIDC_ISSUER: must be https');
    expect(result.stderr).toContain('http://idp.example.com');
  });
});
