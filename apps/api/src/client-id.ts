import type { IncomingHttpHeaders } from 'node:http';

/** Editors may name themselves with this header; exam rooms behind one NAT address need it. */
export const CLIENT_ID_HEADER = 'x-sqlfleet-client';
const CLIENT_ID = /^[A-Za-z0-9_.:-]{8,128}$/;

/** Who a request comes from, for rate limits and the sessions-per-client ceiling. */
export function clientIdOf(headers: IncomingHttpHeaders, address: string | undefined): string {
  const claimed = headers[CLIENT_ID_HEADER];
  if (typeof claimed === 'string' && CLIENT_ID.test(claimed)) return `c:${claimed}`;
  return `ip:${address ?? 'unknown'}`;
}
