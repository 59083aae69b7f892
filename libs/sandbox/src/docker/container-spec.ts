import type { EngineName } from '@sqlfleet/core';
import type Docker from 'dockerode';

/** What the provisioner knows about an engine's sandbox image (infra/images/README.md's env contract). */
export interface EngineImage {
  port: number;
  adminUser: string;
  /** The database the admin connects to. */
  adminDatabase: string;
}

/** Engines with a sandbox image; SQL Server has none here (it stays on the server provisioner). */
export const ENGINE_IMAGES: Partial<Record<EngineName, EngineImage>> = {
  postgres: { port: 5432, adminUser: 'postgres', adminDatabase: 'postgres' },
  mysql: { port: 3306, adminUser: 'root', adminDatabase: 'mysql' },
};

export interface ContainerLimits {
  /** Memory cap in MB (swap included); 0 = none. */
  memoryMb: number;
  /** CPU share, e.g. 0.5; 0 = none. */
  cpus: number;
  /** Process cap; 0 = none. */
  pidsLimit: number;
}

export interface ContainerSpecInput {
  name: string;
  image: string;
  network: string;
  labels: Record<string, string>;
  adminPassword: string;
  limits: ContainerLimits;
}

/**
 * The container of one sandbox: on its own internal network, no published port, no capability
 * (both images start as their database's own user, so nothing needs one; measured: PostgreSQL and
 * MariaDB start with CapDrop ALL), no privilege gain. The root filesystem stays writable: the
 * pre-initialised data directory lives in the image, and a tmpfs over it would hide it.
 */
export function containerSpec(input: ContainerSpecInput): Docker.ContainerCreateOptions {
  const { memoryMb, cpus, pidsLimit } = input.limits;
  const memory = memoryMb > 0 ? memoryMb * 1024 * 1024 : undefined;
  return {
    name: input.name,
    Image: input.image,
    Env: [`SANDBOX_ADMIN_PASSWORD=${input.adminPassword}`],
    Labels: input.labels,
    HostConfig: {
      NetworkMode: input.network,
      ...(memory ? { Memory: memory, MemorySwap: memory } : {}),
      ...(cpus > 0 ? { NanoCpus: Math.round(cpus * 1e9) } : {}),
      ...(pidsLimit > 0 ? { PidsLimit: pidsLimit } : {}),
      Privileged: false,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      RestartPolicy: { Name: 'no' },
    },
  };
}
