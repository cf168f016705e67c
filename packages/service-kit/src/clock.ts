// Time is an input (STYLE.md section 2). Services read it from a Clock given to them; which clock
// is configuration, not a test-only branch: the system clock in production, or the system clock
// moved by a shared offset, so a demo (or an end-to-end test) can let years of retention pass in
// seconds for every service at once (`lethe clock advance 400d`).

export interface Clock {
  readonly now: () => Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Where the shared offset lives: a Redis string of milliseconds. */
export const CLOCK_OFFSET_KEY = 'lethe:clock:offset-ms';

export interface OffsetSource {
  get(key: string): Promise<string | null>;
}

export interface SharedOffsetClock extends Clock {
  /** Reads the offset now (also done every `refreshMs`). */
  refresh(): Promise<void>;
  stop(): void;
}

/**
 * The system clock plus an offset every service reads from the same Redis key. The offset is
 * re-read every `refreshMs`; time never runs backwards within a process even if the offset is
 * lowered, because timers already fired cannot be unfired.
 */
export async function sharedOffsetClock(
  source: OffsetSource,
  { refreshMs = 500, key = CLOCK_OFFSET_KEY } = {},
): Promise<SharedOffsetClock> {
  let offsetMs = 0;
  let latest = 0;
  const refresh = async () => {
    const raw = await source.get(key);
    const parsed = raw === null ? 0 : Number(raw);
    if (Number.isFinite(parsed)) offsetMs = parsed;
  };
  await refresh();
  const timer = setInterval(() => void refresh().catch(() => undefined), refreshMs);
  timer.unref();
  return {
    now: () => {
      latest = Math.max(latest, Date.now() + offsetMs);
      return new Date(latest);
    },
    refresh,
    stop: () => clearInterval(timer),
  };
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses `90s`, `15m`, `12h`, `400d` into milliseconds; undefined if it is not one of those. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+)([smhd])$/.exec(text.trim());
  return match ? Number(match[1]) * UNIT_MS[match[2]!]! : undefined;
}

/** The clock configuration names (LETHE_CLOCK). */
export async function createClock(
  config: { clock: 'system' | 'shared-offset'; clockOffsetKey: string },
  source: OffsetSource,
): Promise<Clock> {
  return config.clock === 'shared-offset'
    ? sharedOffsetClock(source, { key: config.clockOffsetKey })
    : systemClock;
}
