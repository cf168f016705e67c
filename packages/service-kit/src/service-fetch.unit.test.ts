import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { serviceFetch } from './service-fetch';

// A server that drops requests arriving on a kept-alive socket, unanswered, as a server that
// closed an idle connection does: each of the next `dropsLeft` reused sockets meets that.
function serverDroppingReusedSockets() {
  const state = { dropsLeft: 0, dropped: 0, answered: 0 };
  const seen = new WeakSet<object>();
  const server = http.createServer({ keepAlive: true }, (request, response) => {
    const reused = seen.has(request.socket);
    seen.add(request.socket);
    if (reused && state.dropsLeft > 0) {
      state.dropsLeft -= 1;
      state.dropped += 1;
      request.socket.destroy();
      return;
    }
    state.answered += 1;
    response.end('ok');
  });
  return { server, state };
}

describe('serviceFetch', () => {
  const { server, state } = serverDroppingReusedSockets();
  let base = '';

  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('sends a request again while it meets kept-alive sockets the server dropped, until one answers', async () => {
    const fetch = serviceFetch(undefined);
    // Two requests at once leave two idle sockets in the pool.
    await Promise.all([fetch(`${base}/a`), fetch(`${base}/b`)]);
    state.dropsLeft = 2;

    const response = await fetch(`${base}/c`);

    expect(response.status).toBe(200);
    expect(await response.text()).toBe('ok');
    expect(state.dropped).toBe(2);
    expect(state.answered).toBe(3);
  });

  it('does not send again when the error is not a dropped kept-alive socket', async () => {
    const fetch = serviceFetch(undefined);
    await expect(fetch('http://127.0.0.1:1/')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});
