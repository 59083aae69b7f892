import { createHash, randomBytes } from 'node:crypto';
import type { FleetKeys } from '@sqlfleet/queue';
import type { Redis } from 'ioredis';

/**
 * Proctor tokens: a bearer secret per room, made by ops. Redis holds only the token's SHA-256
 * (a Redis dump or a key listing reveals no usable token) with the room it opens, for
 * `ttlMs`. A session id is never one: it is a different secret in a different keyspace.
 */
export class ProctorTokens {
  constructor(
    private readonly redis: Redis,
    private readonly keys: FleetKeys,
    private readonly ttlMs: number,
  ) {}

  async create(room: string): Promise<{ token: string; expiresAt: string }> {
    const token = `pt_${randomBytes(24).toString('base64url')}`;
    await this.redis.set(this.keys.proctorToken(hashOf(token)), JSON.stringify({ rooms: [room] }), 'PX', this.ttlMs);
    return { token, expiresAt: new Date(Date.now() + this.ttlMs).toISOString() };
  }

  /** The rooms a token opens; undefined for an unknown or expired token. */
  async rooms(token: string): Promise<string[] | undefined> {
    if (!token.startsWith('pt_') || token.length > 100) return undefined;
    const raw = await this.redis.get(this.keys.proctorToken(hashOf(token)));
    return raw ? (JSON.parse(raw) as { rooms: string[] }).rooms : undefined;
  }
}

const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');
