import { createServer, type Server } from 'node:http';

/** What a Prometheus registry offers (prom-client's Registry fits). */
export interface MetricsSource {
  metrics(): Promise<string>;
  readonly contentType: string;
}

/** A bare HTTP server for GET /metrics, for processes without an API of their own; port 0: not served. */
export function serveMetrics(source: MetricsSource, port: number, host: string): Server | undefined {
  if (port === 0) return undefined;
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
  server.listen(port, host);
  return server;
}
