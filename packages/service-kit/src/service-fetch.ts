import { readFileSync } from 'node:fs';
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';

// Lethe's services serve HTTPS under a CA of the deployment's own (the local stack makes one).
// Node 20's global fetch cannot be given a CA per call, so Lethe's own clients (the CLI, the tests,
// the benches) call the services through this: fetch's shape, node:https underneath.

export interface ServiceRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}

export type ServiceFetch = (url: string, request?: ServiceRequest) => Promise<Response>;

function headersOf(raw: IncomingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw)) {
    for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value])
      headers.append(name, one);
  }
  return headers;
}

/**
 * A fetch that trusts the CA in `caFile` (and only it) for https:// URLs. Connections are kept
 * alive (a TLS handshake costs more than a consent check); idle ones do not hold the process.
 */
export function serviceFetch(caFile: string | undefined): ServiceFetch {
  const agent = new https.Agent({ keepAlive: true, ...(caFile ? { ca: readFileSync(caFile) } : {}) });
  return (url, request = {}) =>
    new Promise((resolve, reject) => {
      const target = new URL(url);
      const secure = target.protocol === 'https:';
      const outgoing = (secure ? https : http).request(
        target,
        {
          method: request.method ?? 'GET',
          headers: request.headers,
          ...(secure ? { agent } : {}),
          ...(request.signal ? { signal: request.signal } : {}),
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('error', reject);
          incoming.on('end', () => {
            const status = incoming.statusCode ?? 0;
            const body =
              chunks.length === 0 || status === 204 || status === 304 ? null : Buffer.concat(chunks);
            resolve(new Response(body, { status, headers: headersOf(incoming.headers) }));
          });
        },
      );
      outgoing.on('error', reject);
      outgoing.end(request.body);
    });
}
