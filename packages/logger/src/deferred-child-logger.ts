import type { Bindings, ChildLoggerOptions, Level, LevelWithSilentOrString, Logger } from 'pino';

/**
 * Fastify makes a child logger for each request, and pino's `child()` runs every redaction path
 * over its bindings: 8.5% of a consent check's CPU in a profile under wrk, for a child most
 * requests never write with (the check logs only warnings). This child is made the first time
 * the request writes a line its level lets through, and is then the same pino child as before.
 */
export function deferredChildLogger(parent: Logger, bindings: Bindings, options: ChildLoggerOptions = {}) {
  return new DeferredChild(parent, bindings, options) as unknown as Logger;
}

// A class, not an object of closures: one is made per request, and its methods are shared.
class DeferredChild {
  private made: Logger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly childBindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  get level(): string {
    return this.made?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: string) {
    this.real().level = level;
  }

  isLevelEnabled(level: LevelWithSilentOrString): boolean {
    const current = this.parent.levels.values[this.level];
    const wanted = this.parent.levels.values[level];
    return current !== undefined && wanted !== undefined && wanted >= current;
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): Logger {
    return this.real().child(bindings, options);
  }

  bindings(): Bindings {
    return this.real().bindings();
  }

  fatal(...args: unknown[]): void {
    this.write('fatal', args);
  }
  error(...args: unknown[]): void {
    this.write('error', args);
  }
  warn(...args: unknown[]): void {
    this.write('warn', args);
  }
  info(...args: unknown[]): void {
    this.write('info', args);
  }
  debug(...args: unknown[]): void {
    this.write('debug', args);
  }
  trace(...args: unknown[]): void {
    this.write('trace', args);
  }
  silent(): void {}

  private write(level: Level, args: unknown[]): void {
    if (this.isLevelEnabled(level)) this.real()[level](...(args as [unknown]));
  }

  private real(): Logger {
    return (this.made ??= this.parent.child(this.childBindings, this.options));
  }
}
