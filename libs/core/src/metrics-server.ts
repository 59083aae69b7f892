import { createServer, type Server } from 'node:http';

/** What a Prometheus registry offers (prom-client's Registry fits). */
export interface MetricsSource {
  metrics(): Promise<string>;
  readonly contentType: string;
}

/**
 * A bare HTTP server for GET /metrics, for processes without an API of their own; port 0: not served.
 * Resolves once it listens; a port it cannot take rejects with an error naming it, so the process stops at
 * start with a clear line instead of dying later of an 'error' event nobody listened to.
 */
export function serveMetrics(source: MetricsSource, port: number, host: string): Promise<Server | undefined> {
  if (port === 0) return Promise.resolve(undefined);
  const server = createServer((request, response) => {
    if (request.url !== '/metrics') {
      response.writeHead(404).end();
      return;
    }
    source
      .metrics()
      .then((body) => response.writeHead(200, { 'content-type': source.contentType }).end(body))
      .catch(() => response.writeHead(500).end());
  });
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(new Error(`cannot serve metrics on ${host}:${port}: ${error.code ?? error.message}`, { cause: error })),
    );
    server.listen(port, host, () => resolve(server));
  });
}
