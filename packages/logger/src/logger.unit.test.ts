import { Writable } from 'node:stream';

import { createLogger, REDACTED } from './index';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { lines, destination };
}

describe('createLogger', () => {
  it('redacts personal fields at the top level and nested, and keeps the rest', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ name: 'test', destination });

    logger.info(
      {
        subjectId: 'sub-1',
        email: 'ada@example.com',
        event: { data: { phone: '+44 20 7946 0000' } },
        req: { headers: { authorization: 'Bearer abc' } },
      },
      'hello',
    );

    const line = lines[0]!;
    const text = JSON.stringify(line);
    expect(text).not.toContain('ada@example.com');
    expect(text).not.toContain('7946 0000'); // digits alone could appear in the epoch-ms time
    expect(text).not.toContain('Bearer abc');
    expect(line.email).toBe(REDACTED);
    expect(line.subjectId).toBe('sub-1');
    expect(line.msg).toBe('hello');
  });
});
