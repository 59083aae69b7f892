/** Every Redis key and channel sqlfleet uses, in one place, under the fleet's prefix. */
export class FleetKeys {
  constructor(readonly fleetId: string) {}

  /** BullMQ queue of per-session "drain" jobs. */
  get drainQueue(): string {
    return `${this.fleetId}-drain`;
  }
  mailbox(sessionId: string): string {
    return `${this.fleetId}:mailbox:${sessionId}`;
  }
  job(jobId: string): string {
    return `${this.fleetId}:job:${jobId}`;
  }
  /** Runs of a query that started and have not ended (a worker died under them). */
  runs(jobId: string): string {
    return `${this.fleetId}:runs:${jobId}`;
  }
  /** Pub/sub channel announcing finished jobs to API replicas waiting on them. */
  get resultsChannel(): string {
    return `${this.fleetId}:results`;
  }
  get backlogByRoom(): string {
    return `${this.fleetId}:backlog:room`;
  }
  get backlogByEngine(): string {
    return `${this.fleetId}:backlog:engine`;
  }
  session(sessionId: string): string {
    return `${this.fleetId}:session:${sessionId}`;
  }
  /** Sorted set of live sessions scored by last use, for the reaper. */
  get sessionsByLastUse(): string {
    return `${this.fleetId}:sessions`;
  }
  clientSessions(clientId: string): string {
    return `${this.fleetId}:client:${clientId}`;
  }
  schema(fingerprint: string): string {
    return `${this.fleetId}:schema:${fingerprint}`;
  }
  lock(name: string): string {
    return `${this.fleetId}:lock:${name}`;
  }
  rate(clientId: string, window: number): string {
    return `${this.fleetId}:rate:${clientId}:${window}`;
  }
  /** Socket.IO streams adapter stream. */
  get socketStream(): string {
    return `${this.fleetId}:socket.io`;
  }
}
