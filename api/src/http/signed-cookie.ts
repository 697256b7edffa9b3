import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * A tamper-proof, expiring value for a cookie: `base64url(JSON).base64url(HMAC)`, keyed
 * by SECRET_KEY with a purpose label so a value signed for one use never verifies for
 * another.
 */
export function signValue(secretKey: string, purpose: string, value: unknown, ttlSeconds: number): string {
  const body = Buffer.from(
    JSON.stringify({ v: value, exp: Math.floor(Date.now() / 1000) + ttlSeconds }),
  ).toString('base64url');
  return `${body}.${mac(secretKey, purpose, body).toString('base64url')}`;
}

export function verifyValue<T>(
  secretKey: string,
  purpose: string,
  signed: string | undefined,
): T | undefined {
  if (!signed || signed.length > 4096) return undefined;
  const [body, signature] = signed.split('.');
  if (!body || !signature) return undefined;
  const expected = mac(secretKey, purpose, body);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { v: T; exp: number };
    return parsed.exp > Date.now() / 1000 ? parsed.v : undefined;
  } catch {
    return undefined;
  }
}

const mac = (secretKey: string, purpose: string, body: string) =>
  createHmac('sha256', secretKey).update(`${purpose}\0${body}`).digest();
