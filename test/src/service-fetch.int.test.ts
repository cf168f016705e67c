import { readFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

import { serviceFetch } from '@lethe/service-kit';

import { LETHE_HOME } from './local-stack';

// serviceFetch keeps connections alive; a server may close an idle one just as a request goes
// out on it (the portal's sign-in met this as a 502 under load). Here the server closes every
// connection on its second request, unanswered: the client must send that request again, once,
// on a new connection, and not fail the caller.

describe('serviceFetch', () => {
  it('sends a request again when its kept-alive connection turns out to be closed', async () => {
    const tls = path.join(LETHE_HOME, 'tls');
    const seen: string[] = [];
    const served = new WeakSet<object>();
    const server = https.createServer(
      { cert: readFileSync(path.join(tls, 'server.crt')), key: readFileSync(path.join(tls, 'server.key')) },
      (request, response) => {
        seen.push(request.url ?? '');
        if (served.has(request.socket)) {
          request.socket.destroy(); // the server's side of the race: closed, never answered
          return;
        }
        served.add(request.socket);
        response.end(`ok ${request.url}`);
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const fetch = serviceFetch(path.join(tls, 'ca.crt'));
      expect(await (await fetch(`https://127.0.0.1:${port}/first`)).text()).toBe('ok /first');
      expect(await (await fetch(`https://127.0.0.1:${port}/second`)).text()).toBe('ok /second');
      expect(seen).toEqual(['/first', '/second', '/second']);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
