// A service that cannot start says why in one JSON line on stderr, as its logs do, so the log
// pipeline that reads its other lines reads this one too; then it exits 1.

/** Credentials in a URL (`scheme://user:password@host`) never reach the line. */
const redactUrlCredentials = (text: string) => text.replace(/(\w+:\/\/)[^/@\s]+@/g, '$1[redacted]@');

export function fatalStartupLine(service: string, error: unknown, now = new Date()): string {
  const e = error as { name?: unknown; code?: unknown; message?: unknown } | null;
  return JSON.stringify({
    level: 60,
    time: now.toISOString(),
    service,
    msg: 'start-up failed',
    err: {
      type: typeof e?.name === 'string' ? e.name : 'Error',
      ...(typeof e?.code === 'string' || typeof e?.code === 'number' ? { code: e.code } : {}),
      message: redactUrlCredentials(typeof e?.message === 'string' ? e.message : String(error)),
    },
  });
}

export function exitOnFatalStartup(service: string): (error: unknown) => never {
  return (error) => {
    process.stderr.write(`${fatalStartupLine(service, error)}\n`);
    process.exit(1);
  };
}
