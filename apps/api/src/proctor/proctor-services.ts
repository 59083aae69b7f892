import type { AuditLog, RoomStats } from '@sqlfleet/queue';
import type { DashboardReader } from './dashboard-reader.ts';
import type { AccessResolver } from './proctor-access.ts';
import type { ProctorTokens } from './proctor-tokens.ts';
import type { SocketCensus } from './socket-census.ts';

/** What the proctor routes and the dashboard work with; built once in main.ts. */
export interface ProctorServices {
  access: AccessResolver;
  tokens: ProctorTokens;
  audit: AuditLog;
  stats: RoomStats;
  reader: DashboardReader;
  census: SocketCensus;
}
