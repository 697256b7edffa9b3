import { CompiledQuery } from 'kysely';
import { expect, it } from 'vitest';
import { boundStatement, SENTINEL } from './search-statements.js';

it('compiles a shape once and binds each call’s values at the sentinels, keeping constants', () => {
  let builds = 0;
  const build = () => {
    builds++;
    return CompiledQuery.raw('select $1, $2, $3, $4, $5, $6', [
      SENTINEL.text,
      300,
      SENTINEL.userId,
      SENTINEL.text,
      SENTINEL.limit,
      SENTINEL.workspaceId,
    ]);
  };
  const shape = `test:${Math.random()}`;
  const a = boundStatement(shape, build, { text: 'harbour', userId: 'u1', workspaceId: 'w1', limit: 20 });
  const b = boundStatement(shape, build, { text: 'crane', userId: 'u2', limit: 5 });
  expect(builds).toBe(1);
  expect(a.sql).toBe(b.sql);
  expect(a.parameters).toEqual(['harbour', 300, 'u1', 'harbour', 20, 'w1']);
  expect(b.parameters).toEqual(['crane', 300, 'u2', 'crane', 5, undefined]);
});
