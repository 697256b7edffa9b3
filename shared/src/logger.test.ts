import { PassThrough } from 'node:stream';
import { expect, it } from 'vitest';
import { createLogger } from './logger.js';

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
