import { fatalStartupLine } from './fatal';

describe('a fatal start-up error', () => {
  it('is one JSON line naming the service, the error and its code, without URL credentials', () => {
    const error = Object.assign(new Error('cannot reach mongodb://consent:s3cret@127.0.0.1:27017/'), {
      code: 'CONFIG_INVALID',
    });
    const line = fatalStartupLine('consent', error, new Date(Date.UTC(2026, 10, 30)));
    expect(line.split('\n')).toHaveLength(1);
    expect(JSON.parse(line)).toEqual({
      level: 60,
      time: '2026-11-30T00:00:00.000Z',
      service: 'consent',
      msg: 'start-up failed',
      err: {
        type: 'Error',
        code: 'CONFIG_INVALID',
        message: 'cannot reach mongodb://[redacted]@127.0.0.1:27017/',
      },
    });
  });
});
