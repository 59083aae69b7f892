export type { EnsureResult, Provisioner, Sandbox, SandboxRef, SandboxSpec } from './provisioner.ts';
export { type LockOptions, RedisLocks } from './redis-lock.ts';
export { SandboxManager, type SandboxManagerOptions } from './sandbox-manager.ts';
export { createSandboxRuntime, type SandboxRuntime, type SandboxRuntimeOptions } from './sandbox-runtime.ts';
export { type SessionRecord, SessionStore } from './session-store.ts';
