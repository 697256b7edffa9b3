import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { promisify } from 'node:util';
import ipaddr from 'ipaddr.js';
import { FolioError } from '../errors.js';

/**
 * SSRF protection for webhook targets: an endpoint must not make Folio call into its
 * own network. Only globally routable unicast addresses are allowed; loopback, private,
 * link-local, unique-local, carrier-grade NAT, multicast, reserved and the like are
 * refused — checked when the endpoint is registered and again on every connection (the
 * name may resolve elsewhere by then: DNS rebinding), unless private targets are allowed.
 */

export const MAX_WEBHOOK_URL_LENGTH = 2048;

/** Whether `address` (IPv4 or IPv6, IPv4-mapped included) is publicly routable unicast. */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

const lookupAll = promisify(dnsLookup) as unknown as (
  hostname: string,
  options: { all: true },
) => Promise<LookupAddress[]>;

/** The URL's host without IPv6 brackets. */
const hostOf = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, '$1');

/** Parses and checks a target URL; a problem is a 400 naming `url`. */
export async function checkWebhookTarget(raw: string, options: { allowPrivate: boolean }): Promise<URL> {
  const refuse = (why: string) => new FolioError('BAD_REQUEST', `url: ${why}`, { field: 'url' });
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw refuse('must be an absolute http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refuse('must be an http(s) URL');
  if (url.username || url.password) throw refuse('must not carry credentials');
  if (raw.length > MAX_WEBHOOK_URL_LENGTH)
    throw refuse(`must be at most ${MAX_WEBHOOK_URL_LENGTH} characters`);
  if (options.allowPrivate) return url;
  const host = hostOf(url);
  const addresses = ipaddr.isValid(host)
    ? [host]
    : await lookupAll(host, { all: true }).then(
        (found) => found.map((a) => a.address),
        () => {
          throw refuse(`the host ${host} does not resolve`);
        },
      );
  if (addresses.length === 0 || !addresses.every(isPublicAddress)) {
    throw refuse('resolves to a loopback, private or link-local address (not allowed)');
  }
  return url;
}

type LookupCallback = (
  error: NodeJS.ErrnoException | null,
  address: string | LookupAddress[],
  family?: number,
) => void;

/**
 * A `lookup` for `http.request` that refuses (EPRIVATETARGET) names resolving to any
 * non-public address, so what is checked is what is connected to. IP literals skip the
 * lookup: check them with `isPublicAddress` before connecting.
 */
export function publicOnlyLookup(
  hostname: string,
  options: { all?: boolean; family?: number | string },
  callback: LookupCallback,
): void {
  dnsLookup(hostname, { all: true }, (error, found) => {
    if (error) return callback(error, []);
    const refused = found.find((a) => !isPublicAddress(a.address));
    if (found.length === 0 || refused) {
      const e: NodeJS.ErrnoException = new Error(
        `${hostname} resolves to a non-public address${refused ? ` (${refused.address})` : ''}`,
      );
      e.code = 'EPRIVATETARGET';
      return callback(e, []);
    }
    if (options.all) return callback(null, found);
    const first = found[0] as LookupAddress;
    callback(null, first.address, first.family);
  });
}

export { hostOf as webhookTargetHost };
