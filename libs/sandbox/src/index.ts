export type { EnsureResult, Provisioner, Sandbox, SandboxRef, SandboxSpec } from './provisioner.ts';
