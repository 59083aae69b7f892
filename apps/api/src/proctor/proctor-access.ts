import { timingSafeEqual } from 'node:crypto';
import { AppError } from '@sqlfleet/core';
import type { ProctorTokens } from './proctor-tokens.ts';

/** Who is looking: ops (every room and the fleet) or a proctor (the rooms of their token). */
export type Access = { kind: 'ops' } | { kind: 'proctor'; rooms: readonly string[] };

/** The token a request carries: `Authorization: Bearer …`, else `?token=` (a proctor's browser). */
export function tokenOf(authorization: string | undefined, query: unknown): string {
  if (authorization?.startsWith('Bearer ')) return authorization.slice(7).trim();
  const token = (query as Record<string, unknown> | undefined)?.token;
  return typeof token === 'string' ? token : '';
}

export class AccessResolver {
  private readonly expected: Buffer;

  /** An empty ops token leaves every view open (development only; see docs/configuration.md). */
  constructor(
    private readonly opsToken: string,
    private readonly tokens: ProctorTokens,
  ) {
    this.expected = Buffer.from(opsToken);
  }

  isOps(token: string): boolean {
    if (this.opsToken === '') return true;
    const offered = Buffer.from(token);
    return offered.length === this.expected.length && timingSafeEqual(offered, this.expected);
  }

  /** Ops or proctor access, or PROCTOR_TOKEN_REQUIRED. */
  async resolve(token: string): Promise<Access> {
    if (this.isOps(token)) return { kind: 'ops' };
    const rooms = token ? await this.tokens.rooms(token) : undefined;
    if (!rooms) throw new AppError('PROCTOR_TOKEN_REQUIRED');
    return { kind: 'proctor', rooms };
  }

  /** Access to one room's data: ops, or a proctor token of that room (ROOM_FORBIDDEN otherwise). */
  async resolveRoom(token: string, room: string): Promise<Access> {
    const access = await this.resolve(token);
    if (access.kind === 'proctor' && !access.rooms.includes(room)) {
      throw new AppError('ROOM_FORBIDDEN', `This token does not open room ${room}`);
    }
    return access;
  }
}
