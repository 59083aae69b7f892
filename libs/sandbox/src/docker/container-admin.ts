import { createHmac } from 'node:crypto';
import type { SandboxTarget } from '@sqlfleet/contracts';
import type { EngineName, Logger } from '@sqlfleet/core';
import type Docker from 'dockerode';
import { MssqlServerAdmin } from '../server/mssql-server-admin.ts';
import { MysqlServerAdmin } from '../server/mysql-server-admin.ts';
import { PostgresServerAdmin } from '../server/postgres-server-admin.ts';
import { newPassword } from '../server/sandbox-names.ts';
import type { ServerAdmin } from '../server/server-admin.ts';
import type { EngineImage } from './container-spec.ts';
import { sandboxNetworkOf } from './sandbox-labels.ts';

/**
 * The admin password lives in one place only: the container's environment, where the image's
 * contract needs it at start. Whoever can call the container API can read it there (and could
 * exec into the container anyway, which is root on the host), so it is read back from there
 * rather than copied into a label, Redis or the session's handle.
 */
export function adminPasswordOf(info: Docker.ContainerInspectInfo, image: EngineImage): string | undefined {
  const prefix = `${image.passwordVariable}=`;
  return info.Config.Env?.find((e) => e.startsWith(prefix))?.slice(prefix.length);
}

/**
 * A fresh admin password. The suffix meets SQL Server's policy (three of: upper, lower, digit,
 * symbol) whatever the random part holds; the other engines do not mind it.
 */
export function newAdminPassword(): string {
  return `${newPassword()}-Aa1`;
}

/**
 * The sandbox login's password: derived from the container's admin password, so every worker that
 * finds the container computes the same one (two concurrent ensures end with one working handle),
 * while knowing it tells nothing about the admin password.
 */
export function loginPassword(adminPassword: string, login: string): string {
  // The suffix keeps SQL Server's password policy satisfied (contained users are checked too).
  return `${createHmac('sha256', adminPassword).update(`sqlfleet-login:${login}`).digest('base64url').slice(0, 24)}-Aa1`;
}

/** The IP address of the container on its sandbox network, where the worker connects. */
export function containerIp(info: Docker.ContainerInspectInfo, network: string): string | undefined {
  return info.NetworkSettings.Networks?.[network]?.IPAddress || undefined;
}

/** The existing ServerAdmin of the engine, pointed at the container's server as its admin user. */
export function containerAdmin(
  engine: EngineName,
  image: EngineImage,
  host: string,
  adminPassword: string,
  logger: Logger,
): ServerAdmin {
  const auth = `${image.adminUser}:${encodeURIComponent(adminPassword)}`;
  const where = `${host}:${image.port}/${image.adminDatabase}`;
  if (engine === 'postgres') {
    // The metadata table goes in the admin's own database: a CREATE DATABASE for it took ~300 ms of a
    // ~1 s cold start. The sandbox login still cannot read it (meta set-up revokes CONNECT from PUBLIC).
    return new PostgresServerAdmin({ url: `postgres://${auth}@${where}`, metaDatabase: image.adminDatabase, logger });
  }
  if (engine === 'mysql') return new MysqlServerAdmin({ url: `mysql://${auth}@${where}`, logger });
  return new MssqlServerAdmin({ url: `mssql://${auth}@${host}:${image.port}`, logger });
}

/** The least-privilege login's target: database and login are both named after the sandbox. */
export function loginTarget(
  engine: EngineName,
  image: EngineImage,
  host: string,
  name: string,
  password: string,
): SandboxTarget {
  return { engine, host, port: image.port, database: name, user: name, password };
}

/** The admin of a container's server, from its inspect; undefined when that shows no address or admin password. */
export function adminFromInspect(
  info: Docker.ContainerInspectInfo,
  engine: EngineName,
  image: EngineImage,
  logger: Logger,
): ServerAdmin | undefined {
  const network = sandboxNetworkOf(info);
  const host = network && containerIp(info, network);
  const adminPassword = adminPasswordOf(info, image);
  return host && adminPassword ? containerAdmin(engine, image, host, adminPassword, logger) : undefined;
}
