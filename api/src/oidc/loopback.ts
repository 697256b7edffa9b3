import { isIP } from 'node:net';

/**
 * Whether `url` names this machine: `localhost` (and `*.localhost`, which resolvers must
 * answer with loopback, RFC 6761), 127.0.0.0/8 or ::1. Plain http to an OpenID provider
 * is only acceptable there: anywhere else the ID token and client secret cross a network.
 */
export function isLoopbackUrl(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || host === '0:0:0:0:0:0:0:1';
  return false;
}

/** The reason an OIDC issuer URL is refused, or undefined when it is acceptable. */
export function insecureIssuerProblem(issuer: string): string | undefined {
  const url = new URL(issuer);
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopbackUrl(url)) return undefined;
  return `must be https (plain http is allowed only for a loopback issuer such as http://127.0.0.1:…), got ${url.protocol}//${url.host}`;
}
