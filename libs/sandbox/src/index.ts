export {
  CircuitBreaker,
  type CircuitBreakerOptions,
  type CircuitSnapshot,
  type CircuitState,
} from './docker/circuit-breaker.ts';
export { createDockerClient, dockerOptions } from './docker/docker-client.ts';
export { DockerProvisioner, type DockerProvisionerOptions } from './docker/docker-provisioner.ts';
export { LABELS as SANDBOX_LABELS } from './docker/sandbox-labels.ts';
export { ExamPrewarmer, type ExamPrewarmerOptions } from './exams/exam-prewarmer.ts';
export { type ExamRecord, ExamStore } from './exams/exam-store.ts';
export type { EnsureResult, Provisioner, Sandbox, SandboxRef, SandboxSpec } from './provisioner.ts';
export { type LockOptions, RedisLocks } from './redis-lock.ts';
export { SandboxManager, type SandboxManagerOptions } from './sandbox-manager.ts';
export { createSandboxRuntime, type SandboxRuntime, type SandboxRuntimeOptions } from './sandbox-runtime.ts';
export { createSandboxes, type Sandboxes, type SandboxesOptions } from './sandboxes.ts';
export { type SessionRecord, SessionStore, sessionFields } from './session-store.ts';
