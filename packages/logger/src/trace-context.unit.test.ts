import {
  continueTrace,
  currentTrace,
  formatTraceparent,
  parseTraceparent,
  runInTrace,
  traceHeaders,
} from './trace-context';

describe('W3C trace context', () => {
  const header = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

  it('reads a traceparent and continues its trace with a span of its own', () => {
    const parent = parseTraceparent(header)!;
    expect(parent).toEqual({ traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' });
    const next = continueTrace(parent);
    expect(next.traceId).toBe(parent.traceId);
    expect(next.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(next.spanId).not.toBe(parent.spanId);
    expect(formatTraceparent(next)).toMatch(/^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/);
  });

  it('refuses what is not a traceparent, and starts a new trace instead', () => {
    for (const bad of [
      '',
      'nonsense',
      `01${header.slice(2)}`,
      '00-00000000000000000000000000000000-00f067aa0ba902b7-01',
    ])
      expect(parseTraceparent(bad)).toBeUndefined();
    expect(continueTrace(undefined).traceId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('is current inside runInTrace, across awaits, and gone outside', async () => {
    const trace = continueTrace(undefined);
    await runInTrace(trace, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      expect(currentTrace()).toEqual(trace);
      expect(traceHeaders()).toEqual({ traceparent: formatTraceparent(trace) });
    });
    expect(currentTrace()).toBeUndefined();
    expect(traceHeaders()).toEqual({});
  });
});

describe('trace and span ids', () => {
  it('are well formed and distinct across many hops (more than one pool of random bytes)', () => {
    const hops = Array.from({ length: 2_000 }, () => continueTrace(undefined));
    for (const hop of hops) {
      expect(hop.traceId).toMatch(/^[0-9a-f]{32}$/);
      expect(hop.spanId).toMatch(/^[0-9a-f]{16}$/);
    }
    expect(new Set(hops.map((hop) => hop.traceId)).size).toBe(hops.length);
    expect(new Set(hops.map((hop) => hop.spanId)).size).toBe(hops.length);
  });
});
