import { sql } from 'kysely';
import type { Handle } from '../db/repositories/handle.js';
import type { Redis } from '../redis.js';

/**
 * Erasure checks for tests: where, in the whole database or under a Redis prefix, any
 * of `needles` (an email, a name, a sentence of a deleted document) still appears.
 * Every column of every table is scanned: bytea byte-wise (Yjs stores strings as UTF-8),
 * everything else through its text form (jsonb, arrays, tsvector), case-insensitively.
 */
export async function findInDatabase(db: Handle, needles: string[]): Promise<string[]> {
  const columns = await sql<{ table_name: string; column_name: string; data_type: string }>`
    select table_name, column_name, data_type from information_schema.columns
    where table_schema = 'public' order by table_name, ordinal_position`.execute(db);
  const hits: string[] = [];
  for (const { table_name, column_name, data_type } of columns.rows) {
    const column = sql.ref(`${table_name}.${column_name}`);
    for (const needle of needles) {
      const test =
        data_type === 'bytea'
          ? sql`position(convert_to(${needle}, 'UTF8') in ${column}) > 0`
          : sql`strpos(lower(${column}::text), lower(${needle})) > 0`;
      const found = await sql<{
        n: string;
      }>`select count(*) as n from ${sql.table(table_name)} where ${test}`.execute(db);
      if (Number(found.rows[0]?.n ?? 0) > 0) hits.push(`${table_name}.${column_name} contains "${needle}"`);
    }
  }
  return hits;
}

/** The same under a Redis key prefix: key names and every value, whatever the type. */
export async function findInRedis(redis: Redis, prefix: string, needles: string[]): Promise<string[]> {
  const hits: string[] = [];
  const check = (key: string, values: Buffer[]) => {
    const texts = [key, ...values.map((v) => v.toString('utf8'))].map((t) => t.toLowerCase());
    for (const needle of needles) {
      if (texts.some((t) => t.includes(needle.toLowerCase()))) hits.push(`redis ${key} contains "${needle}"`);
    }
  };
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(
      cursor,
      'MATCH',
      `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`,
      'COUNT',
      1000,
    );
    cursor = next;
    for (const key of keys) {
      const type = await redis.type(key);
      const values: Buffer[] = [];
      if (type === 'string') values.push((await redis.getBuffer(key)) ?? Buffer.alloc(0));
      else if (type === 'hash') {
        for (const [field, value] of Object.entries(await redis.hgetallBuffer(key))) {
          values.push(Buffer.from(field), value);
        }
      } else if (type === 'list') values.push(...(await redis.lrangeBuffer(key, 0, -1)));
      else if (type === 'set') values.push(...(await redis.smembersBuffer(key)));
      else if (type === 'zset') values.push(...(await redis.zrangeBuffer(key, 0, -1)));
      else if (type === 'stream') values.push(Buffer.from(JSON.stringify(await redis.xrange(key, '-', '+'))));
      check(key, values);
    }
  } while (cursor !== '0');
  return hits;
}
