/**
 * Lean keep-alive JSON requests for the load processes. The SDK's `fetch`-based transport is
 * right for apps, but a load generator on a 2-core machine competes with the server for CPU, so
 * the hot loops use `node:http` with a keep-alive agent (several times cheaper per request).
 */
import http from 'node:http';

export interface HttpResult {
  status: number;
  body: string;
}

export function createAgent(sockets: number): http.Agent {
  return new http.Agent({ keepAlive: true, maxSockets: sockets, maxFreeSockets: sockets });
}

export function request(
  agent: http.Agent,
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: string,
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        agent,
        method,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(30_000, () => req.destroy(new Error('request timed out after 30 s')));
    req.end(body);
  });
}
