#!/usr/bin/env node
// Wire-level readiness probes for the local stack, with nothing but Node's built-ins (the stack
// comes up before `pnpm install` may have run). An open port is not enough: each probe sends a
// real request of the server's own protocol and checks its answer.
//
//   node probe.mjs kafka|mongo|redis|registry|objects|mail|service HOST PORT  -> exit 0 when it answers
//
// With LETHE_PROBE_CA set (a CA file), the probe speaks TLS and trusts only that CA.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';

const TIMEOUT_MS = 2000;
const CA = process.env.LETHE_PROBE_CA ? readFileSync(process.env.LETHE_PROBE_CA) : undefined;

function connect(host, port) {
  if (!CA) return net.connect({ host, port });
  return tls.connect({ host, port, ca: CA, servername: 'localhost' });
}

function exchange(host, port, request, isComplete) {
  return new Promise((resolve, reject) => {
    const socket = connect(host, port);
    const chunks = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error('no answer within ' + TIMEOUT_MS + ' ms'));
    }, TIMEOUT_MS);
    socket.on(CA ? 'secureConnect' : 'connect', () => socket.write(request));
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      const all = Buffer.concat(chunks);
      if (isComplete(all)) {
        clearTimeout(timer);
        socket.destroy();
        resolve(all);
      }
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

const sizePrefixedComplete = (buf) => buf.length >= 4 && buf.length >= 4 + buf.readInt32BE(0);

// Kafka ApiVersions v0: every broker version answers it, and error_code 0 means the broker is
// serving requests (it answers only once its socket server has started).
async function probeKafka(host, port) {
  const clientId = Buffer.from('lethe-probe');
  const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
  body.writeInt16BE(18, 0); // ApiVersions
  body.writeInt16BE(0, 2); // version 0
  body.writeInt32BE(7, 4); // correlation id
  body.writeInt16BE(clientId.length, 8);
  clientId.copy(body, 10);
  const request = Buffer.concat([int32(body.length, false), body]);
  const answer = await exchange(host, port, request, sizePrefixedComplete);
  const correlationId = answer.readInt32BE(4);
  const errorCode = answer.readInt16BE(8);
  if (correlationId !== 7 || errorCode !== 0) throw new Error('ApiVersions error ' + errorCode);
}

// MongoDB OP_MSG {hello: 1, $db: "admin"}; ready when the reply document carries ok: 1.0.
async function probeMongo(host, port) {
  const doc = bson([
    [0x10, 'hello', int32(1)],
    [0x02, '$db', bsonString('admin')],
  ]);
  const payload = Buffer.concat([int32(0), Buffer.from([0]), doc]); // flagBits, section kind 0
  const header = Buffer.alloc(16);
  header.writeInt32LE(16 + payload.length, 0);
  header.writeInt32LE(1, 4); // requestID
  header.writeInt32LE(0, 8); // responseTo
  header.writeInt32LE(2013, 12); // OP_MSG
  const answer = await exchange(
    host,
    port,
    Buffer.concat([header, payload]),
    (buf) => buf.length >= 4 && buf.length >= buf.readInt32LE(0),
  );
  const okMarker = Buffer.from([0x01, 0x6f, 0x6b, 0x00]); // double "ok"
  const at = answer.indexOf(okMarker);
  if (at < 0 || answer.readDoubleLE(at + okMarker.length) !== 1)
    throw new Error('hello did not answer ok: 1');
}

// PING: +PONG, or -NOAUTH where anonymous clients are refused (the server answers all the same).
async function probeRedis(host, port) {
  const answer = await exchange(host, port, Buffer.from('PING\r\n'), (buf) => buf.includes('\r\n'));
  if (!answer.toString().startsWith('+PONG') && !answer.toString().startsWith('-NOAUTH'))
    throw new Error('PING answered ' + JSON.stringify(answer.toString().trim()));
}

// Ready when the Confluent API answers: 200, or 401 where it wants credentials (it answered).
async function probeRegistry(host, port) {
  const status = await httpStatus(host, port, '/apis/ccompat/v7/subjects');
  if (status !== 200 && status !== 401) throw new Error('GET /apis/ccompat/v7/subjects answered ' + status);
}

// GET a path, over HTTPS with LETHE_PROBE_CA (fetch cannot be given a CA, so node:https).
async function httpStatus(host, port, path) {
  if (!CA)
    return (await fetch(`http://${host}:${port}${path}`, { signal: AbortSignal.timeout(TIMEOUT_MS) })).status;
  return new Promise((resolve, reject) => {
    const request = https.get(
      { host, port, path, ca: CA, servername: 'localhost', timeout: TIMEOUT_MS },
      (res) => {
        res.resume();
        resolve(res.statusCode);
      },
    );
    request.on('timeout', () => request.destroy(new Error('no answer within ' + TIMEOUT_MS + ' ms')));
    request.on('error', reject);
  });
}

// BSON is little-endian, Kafka's protocol big-endian.
function int32(n, littleEndian = true) {
  const b = Buffer.alloc(4);
  if (littleEndian) b.writeInt32LE(n, 0);
  else b.writeInt32BE(n, 0);
  return b;
}

function bsonString(s) {
  const bytes = Buffer.from(s + '\0');
  return Buffer.concat([int32(bytes.length), bytes]);
}

function bson(elements) {
  const body = Buffer.concat(
    elements.map(([type, name, value]) =>
      Buffer.concat([Buffer.from([type]), Buffer.from(name + '\0'), value]),
    ),
  );
  return Buffer.concat([int32(4 + body.length + 1), body, Buffer.from([0])]);
}

// The S3 object store: up when an anonymous request is answered, and refused (403): it answers
// the S3 protocol and authenticates every call.
async function probeObjects(host, port) {
  const status = await httpStatus(host, port, '/');
  if (status !== 403) throw new Error('an anonymous GET / answered ' + status + ', not 403');
}

// The mail server: up when its API refuses an anonymous caller (401): it answers HTTPS and
// authenticates every call.
async function probeMail(host, port) {
  const status = await httpStatus(host, port, '/api/v1/info');
  if (status !== 401) throw new Error('an anonymous GET /api/v1/info answered ' + status + ', not 401');
}

// A Lethe service: ready when /readyz answers 200 (its own checks passed).
async function probeService(host, port) {
  const status = await httpStatus(host, port, '/readyz');
  if (status !== 200) throw new Error('GET /readyz answered ' + status);
}

const probes = {
  kafka: probeKafka,
  mongo: probeMongo,
  redis: probeRedis,
  registry: probeRegistry,
  objects: probeObjects,
  mail: probeMail,
  service: probeService,
};
const [name, host, port] = process.argv.slice(2);
const probe = probes[name];
if (!probe || !host || !port) {
  console.error('usage: probe.mjs kafka|mongo|redis|registry|objects|mail|service HOST PORT');
  process.exit(2);
}
try {
  await probe(host, Number(port));
} catch (err) {
  console.error(`${name} on ${host}:${port}: ${err.message}`);
  process.exit(1);
}
