// The image's HEALTHCHECK: is the service process answering /livez on its own port? Liveness
// only (readiness is /readyz, for whoever routes traffic: docker-compose passes `/readyz` as
// the argument, so a service that depends on another waits until it is ready). Over the loopback, with the service's
// TLS unless LETHE_HTTP_TLS=off; the certificate's name is not checked, as it is issued for the
// service's public name, not for 127.0.0.1, and nothing but this probe crosses the connection.
import http from 'node:http';
import https from 'node:https';

const DEFAULT_PORTS = { account: 3001, consent: 3002, retention: 3003, erasure: 3004, audit: 3005 };
const service = process.env.LETHE_SERVICE ?? '';
const port = Number(process.env[`LETHE_${service.toUpperCase()}_PORT`] ?? DEFAULT_PORTS[service]);
const plain = process.env.LETHE_HTTP_TLS === 'off';
const path = process.argv[2] === '/readyz' ? '/readyz' : '/livez';

const request = (plain ? http : https).get(
  { host: '127.0.0.1', port, path, timeout: 2_000, rejectUnauthorized: false },
  (response) => {
    response.resume();
    process.exit(response.statusCode === 200 ? 0 : 1);
  },
);
request.on('timeout', () => request.destroy(new Error('timeout')));
request.on('error', () => process.exit(1));
