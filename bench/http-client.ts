import { Agent, request } from 'node:http';

/**
 * The load generator's HTTP client: node:http on a kept-alive socket per student, as each student's browser
 * holds its own. The bench runs on the cores it measures, and `fetch` (undici) cost about 0.27 ms of CPU per
 * query there, a fifth of the whole fleet's per warm query; one agent shared by every student also reused
 * sockets the API had closed after a minute idle between two runs ("socket hang up").
 */
export function studentAgent(): Agent {
  return new Agent({ keepAlive: true, maxSockets: 1 });
}

export interface JsonResponse<T> {
  status: number;
  body: T;
}

export function postJson<T>(
  agent: Agent,
  url: string,
  headers: Record<string, string>,
  body: unknown,
): Promise<JsonResponse<T>> {
  const payload = Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': payload.length },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          try {
            resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString()) as T });
          } catch (error) {
            reject(error);
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
