import type { EngineName } from '@sqlfleet/core';
import type Docker from 'dockerode';

/** What the provisioner knows about an engine's sandbox image and its environment contract. */
export interface EngineImage {
  port: number;
  adminUser: string;
  /** The database the admin connects to. */
  adminDatabase: string;
  /** The variable that hands the image its admin password (read back from the container to reconnect). */
  passwordVariable: string;
  /** Other variables the image needs. */
  env: readonly string[];
  /** Floors under the configured caps, for a server that cannot start below them. */
  minMemoryMb?: number;
  minPids?: number;
  /** A line the server logs once it takes connections; waited for before the first connection attempt. */
  readyLogLine?: RegExp;
}

/**
 * PostgreSQL and MySQL: sqlfleet's own images (infra/images/README.md's contract).
 * SQL Server: Microsoft's official image, which needs at least 2 GiB and logs when it is ready;
 * it takes far longer to start than the others, so its readiness timeout matters most.
 */
export const ENGINE_IMAGES: Record<EngineName, EngineImage> = {
  postgres: {
    port: 5432,
    adminUser: 'postgres',
    adminDatabase: 'postgres',
    passwordVariable: 'SANDBOX_ADMIN_PASSWORD',
    env: [],
  },
  mysql: { port: 3306, adminUser: 'root', adminDatabase: 'mysql', passwordVariable: 'SANDBOX_ADMIN_PASSWORD', env: [] },
  mssql: {
    port: 1433,
    adminUser: 'sa',
    adminDatabase: 'master',
    passwordVariable: 'MSSQL_SA_PASSWORD',
    env: ['ACCEPT_EULA=Y', 'MSSQL_PID=Developer'],
    minMemoryMb: 2048,
    minPids: 4096,
    readyLogLine: /SQL Server is now ready for client connections/,
  },
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
  contract: EngineImage;
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
  const { contract } = input;
  const memoryMb = atLeast(input.limits.memoryMb, contract.minMemoryMb);
  const pidsLimit = atLeast(input.limits.pidsLimit, contract.minPids);
  const { cpus } = input.limits;
  const memory = memoryMb > 0 ? memoryMb * 1024 * 1024 : undefined;
  return {
    name: input.name,
    Image: input.image,
    Env: [...contract.env, `${contract.passwordVariable}=${input.adminPassword}`],
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

/** A configured cap raised to the engine's floor; 0 (no cap) stays 0. */
function atLeast(configured: number, floor = 0): number {
  return configured === 0 ? 0 : Math.max(configured, floor);
}
