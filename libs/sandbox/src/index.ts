export type { EnsureResult, Provisioner, Sandbox, SandboxRef, SandboxSpec } from './provisioner.ts';
export { type LockOptions, RedisLocks } from './redis-lock.ts';
export { SandboxManager, type SandboxManagerOptions } from './sandbox-manager.ts';
export { type SessionRecord, SessionStore } from './session-store.ts';
