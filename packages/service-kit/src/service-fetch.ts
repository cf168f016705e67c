import { readFileSync } from 'node:fs';
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import tls from 'node:tls';

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
export function serviceFetch(
  caFile: string | undefined,
  {
    publicRoots = false,
  }: {
    /** Trust the public CAs as well: for endpoints outside the deployment. */ publicRoots?: boolean;
  } = {},
): ServiceFetch {
  const own = caFile ? [readFileSync(caFile, 'utf8')] : [];
  const ca = publicRoots ? [...tls.rootCertificates, ...own] : own;
  const agent = new https.Agent({ keepAlive: true, ...(ca.length > 0 ? { ca } : {}) });
  const once = (url: string, request: ServiceRequest) =>
    new Promise<Response>((resolve, reject) => {
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
      outgoing.on('error', (error: NodeJS.ErrnoException) => {
        // A kept-alive connection the server closed just as this request went out, with no
        // answer at all: sent once more on a new connection, as Node's documentation advises for
        // a reused socket: a server closes an idle connection without reading from it.
        reject(outgoing.reusedSocket && error.code === 'ECONNRESET' ? new StaleConnection(error) : error);
      });
      outgoing.end(request.body);
    });
  return async (url, request = {}) => {
    // Again while it fails that way: the pool may hold several sockets the server closed, and
    // each failure discards one, so it ends on a fresh connection (a CI run met two in a row).
    for (;;) {
      try {
        return await once(url, request);
      } catch (error) {
        if (!(error instanceof StaleConnection)) throw error;
      }
    }
  };
}

/** The request went out on a kept-alive socket that was already closed (see serviceFetch). */
class StaleConnection extends Error {
  override readonly name = 'StaleConnection';
  constructor(override readonly cause: Error) {
    super('the kept-alive connection was closed by the server before the request reached it');
  }
}
