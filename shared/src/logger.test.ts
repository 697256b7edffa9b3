import { PassThrough } from 'node:stream';
import { expect, it } from 'vitest';
import { createLogger, routeConsoleToLogger } from './logger.js';

it('writes JSON lines and redacts tokens, cookies and secrets wherever they sit', async () => {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().trim().split('\n')));
  const log = createLogger({ level: 'info', name: 'test', destination: stream });
  log.child({ connectionId: 'c1' }).info(
    {
      token: 'folio_abc',
      headers: { authorization: 'Bearer folio_abc', cookie: 'sid=1' },
      user: { secret: 's' },
    },
    'hello',
  );
  await new Promise((r) => setImmediate(r));
  const record = JSON.parse(lines[0] as string);
  expect(record).toMatchObject({ level: 'info', name: 'test', connectionId: 'c1', msg: 'hello' });
  expect(lines[0]).not.toContain('folio_abc');
  expect(lines[0]).not.toContain('sid=1');
  expect(record.user.secret).toBe('[redacted]');
});

it("routes a library's console output to JSON lines, errors as err, until restored", async () => {
  const stream = new PassThrough();
  const lines: string[] = [];
  stream.on('data', (chunk: Buffer) => lines.push(...chunk.toString().trim().split('\n')));
  const log = createLogger({ level: 'debug', name: 'test', destination: stream });
  const originalError = console.error;
  const restore = routeConsoleToLogger(log, (args, level) =>
    args.some((a) => a instanceof RangeError) ? 'debug' : level,
  );
  try {
    console.error('[onStoreDocument]', 'Another instance is already storing this document');
    console.error('closing connection c1 because of exception', new Error('boom'));
    console.warn('queue limit exceeded for %s', 'doc-1');
    console.error(new RangeError('already handled'));
  } finally {
    restore();
  }
  expect(console.error).toBe(originalError);
  await new Promise((r) => setImmediate(r));
  const records = lines.map((l) => JSON.parse(l));
  expect(records).toMatchObject([
    {
      level: 'error',
      source: 'console',
      msg: '[onStoreDocument] Another instance is already storing this document',
    },
    { level: 'error', msg: 'closing connection c1 because of exception', err: { message: 'boom' } },
    { level: 'warn', msg: 'queue limit exceeded for doc-1' },
    { level: 'debug', msg: 'already handled', err: { type: 'RangeError' } },
  ]);
  expect(records[1].err.stack).toContain('boom');
});
