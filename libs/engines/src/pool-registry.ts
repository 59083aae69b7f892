import { type SandboxTarget, targetKey } from '@sqlfleet/contracts';

/** One pool per target (sandbox + login), made on first use and closed on release. */
export class PoolRegistry<P> {
  private readonly pools = new Map<string, P>();

  constructor(
    private readonly create: (target: SandboxTarget) => P,
    private readonly destroy: (pool: P) => Promise<void>,
  ) {}

  get(target: SandboxTarget): P {
    const key = targetKey(target);
    let pool = this.pools.get(key);
    if (!pool) {
      pool = this.create(target);
      this.pools.set(key, pool);
    }
    return pool;
  }

  async release(target: SandboxTarget): Promise<void> {
    const key = targetKey(target);
    const pool = this.pools.get(key);
    if (!pool) return;
    this.pools.delete(key);
    await this.destroy(pool);
  }

  /** Closes every pool; one pool failing to close does not keep the others open. */
  async closeAll(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.allSettled(pools.map((p) => this.destroy(p)));
  }
}
