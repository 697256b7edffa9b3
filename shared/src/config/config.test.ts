import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConfigError, checkCommon, commonEnv, parseConfig, withPublicUrls } from './index.js';

const schema = z.object(commonEnv).superRefine(checkCommon).transform(withPublicUrls);

describe('parseConfig', () => {
  it('applies the contract defaults and freezes the result', () => {
    const config = parseConfig(schema, {});
    expect(config).toMatchObject({
      API_PORT: 3000,
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      PUBLIC_URL: 'http://127.0.0.1:3000',
      COLLAB_PUBLIC_URL: 'ws://127.0.0.1:1234',
    });
    expect(config.DATABASE_URL).toBeUndefined();
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('derives unset public URLs from HOST and the ports, and keeps set ones', () => {
    expect(parseConfig(schema, { HOST: '10.0.0.5', API_PORT: '8080', COLLAB_PORT: '9090' })).toMatchObject({
      PUBLIC_URL: 'http://10.0.0.5:8080',
      COLLAB_PUBLIC_URL: 'ws://10.0.0.5:9090',
    });
    expect(parseConfig(schema, { HOST: '::1' })).toMatchObject({ PUBLIC_URL: 'http://[::1]:3000' });
    expect(parseConfig(schema, { HOST: '0.0.0.0', COLLAB_PORT: '4000' })).toMatchObject({
      COLLAB_PUBLIC_URL: 'ws://localhost:4000',
    });
    expect(
      parseConfig(schema, {
        API_PORT: '8080',
        PUBLIC_URL: 'https://folio.example',
        COLLAB_PUBLIC_URL: 'wss://c.example',
      }),
    ).toMatchObject({ PUBLIC_URL: 'https://folio.example', COLLAB_PUBLIC_URL: 'wss://c.example' });
  });

  it('reports every bad variable at once', () => {
    let error: unknown;
    try {
      parseConfig(schema, {
        API_PORT: 'http',
        LOG_LEVEL: 'loud',
        REDIS_URL: 'http://x',
        DATABASE_URL: 'postgres://db/x',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const variable of ['API_PORT', 'LOG_LEVEL', 'REDIS_URL']) expect(problems).toContain(variable);
  });

  it('requires SECRET_KEY with an external database, and Sentinel settings in pairs', () => {
    expect(() => parseConfig(schema, { DATABASE_URL: 'postgres://db/x' })).toThrow(/SECRET_KEY: is required/);
    // No KEY_FILE needed: the keys are then derived from SECRET_KEY (contract: these two suffice).
    expect(
      parseConfig(schema, { DATABASE_URL: 'postgres://db/x', SECRET_KEY: 's'.repeat(40) }).KEY_FILE,
    ).toBe(undefined);
    expect(() => parseConfig(schema, { REDIS_SENTINELS: 'a:1,b:2' })).toThrow(/REDIS_SENTINEL_MASTER/);
    const ok = parseConfig(schema, { REDIS_SENTINELS: 'a:1,b:2', REDIS_SENTINEL_MASTER: 'm' });
    expect(ok.REDIS_SENTINELS).toEqual([
      { host: 'a', port: 1 },
      { host: 'b', port: 2 },
    ]);
  });

  it('reads Redis Cluster seed nodes, alone, and refuses hash-tag braces in the key prefix', () => {
    expect(parseConfig(schema, { REDIS_CLUSTER_NODES: 'r1:7000,r2:7001' }).REDIS_CLUSTER_NODES).toEqual([
      { host: 'r1', port: 7000 },
      { host: 'r2', port: 7001 },
    ]);
    expect(() => parseConfig(schema, { REDIS_CLUSTER_NODES: 'r1' })).toThrow(/REDIS_CLUSTER_NODES/);
    expect(() =>
      parseConfig(schema, {
        REDIS_CLUSTER_NODES: 'r1:1',
        REDIS_SENTINELS: 'a:1',
        REDIS_SENTINEL_MASTER: 'm',
      }),
    ).toThrow(/not both/);
    expect(() => parseConfig(schema, { REDIS_KEY_PREFIX: 'app{1}:' })).toThrow(/REDIS_KEY_PREFIX/);
  });

  it('treats empty variables as unset', () => {
    expect(parseConfig(schema, { DATABASE_URL: '', API_PORT: '' }).API_PORT).toBe(3000);
  });
});
