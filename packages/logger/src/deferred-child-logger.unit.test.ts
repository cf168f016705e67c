import { Writable } from 'node:stream';

import { createLogger, deferredChildLogger, REDACTED } from './index';

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  const parent = createLogger({ name: 'test', level: 'info', destination });
  return { lines, parent, childMade: jest.spyOn(parent, 'child') };
}

const flushed = () => new Promise((resolve) => setImmediate(resolve));

describe('deferredChildLogger', () => {
  it('makes no pino child for a request that writes nothing its level lets through', async () => {
    const { lines, parent, childMade } = capturingLogger();
    const child = deferredChildLogger(parent, { reqId: 'r-1' }, { level: 'warn' });

    child.info('not at this level');
    child.debug('nor this');
    await flushed();

    expect(childMade).not.toHaveBeenCalled();
    expect(lines).toEqual([]);
    expect(child.level).toBe('warn');
    expect(child.isLevelEnabled('info')).toBe(false);
    expect(child.isLevelEnabled('error')).toBe(true);
  });

  it('writes an enabled line through one pino child, with its bindings and the redaction', async () => {
    const { lines, parent, childMade } = capturingLogger();
    const child = deferredChildLogger(parent, { reqId: 'r-2' }, { level: 'warn' });

    child.warn({ email: 'ada@example.com' }, 'first');
    child.error('second');
    await flushed();

    expect(childMade).toHaveBeenCalledTimes(1);
    expect(lines).toMatchObject([
      { reqId: 'r-2', email: REDACTED, msg: 'first', level: 40, service: 'test' },
      { reqId: 'r-2', msg: 'second', level: 50 },
    ]);
  });

  it("follows the parent's level when the route sets none, and a level set on it", async () => {
    const { lines, parent } = capturingLogger();
    const child = deferredChildLogger(parent, { reqId: 'r-3' });

    child.info('at the parent level');
    child.level = 'error';
    child.warn('now below the level');
    await flushed();

    expect(lines.map((line) => line.msg)).toEqual(['at the parent level']);
    expect(child.level).toBe('error');
  });
});
