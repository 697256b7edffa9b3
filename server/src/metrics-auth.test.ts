import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CollabTestContext, createCollabTestContext } from './testing.js';

let ctx: CollabTestContext;
beforeAll(async () => {
  ctx = await createCollabTestContext();
});
afterAll(() => ctx.close());

const METRICS_TOKEN = 'metrics-scraper-secret-0123456789';

describe('collaboration server /metrics', () => {
  it('is open without METRICS_TOKEN (loopback default)', async () => {
    const { url } = await ctx.startServer();
    const response = await fetch(`${url.replace('ws', 'http')}/metrics`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('process_cpu_seconds_total');
  });

  it('with METRICS_TOKEN set, answers only its bearer token; health stays open', async () => {
    const { url } = await ctx.startServer({ METRICS_TOKEN });
    const http = url.replace('ws', 'http');
    const scrape = (authorization?: string) =>
      fetch(`${http}/metrics`, authorization ? { headers: { authorization } } : {});
    for (const authorization of [
      undefined,
      'Bearer wrong-token',
      `Basic ${METRICS_TOKEN}`,
      `Bearer ${METRICS_TOKEN}x`,
    ]) {
      const refused = await scrape(authorization);
      expect(refused.status, String(authorization)).toBe(401);
      expect(refused.headers.get('content-type')).toBe('application/problem+json');
      expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await refused.text()).not.toContain('process_cpu_seconds_total');
    }
    const allowed = await scrape(`Bearer ${METRICS_TOKEN}`);
    expect(allowed.status).toBe(200);
    expect(await allowed.text()).toContain('process_cpu_seconds_total');
    expect((await fetch(`${http}/healthz`)).status).toBe(200);
  });
});
