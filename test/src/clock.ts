import type { Clock } from '@lethe/service-kit';

export interface ManualClock extends Clock {
  advance(ms: number): void;
}

/** A clock a test moves by hand, given to services in-process (time is an input). */
export function manualClock(start: Date = new Date()): ManualClock {
  let at = start.getTime();
  return {
    now: () => new Date(at),
    advance: (ms) => void (at += ms),
  };
}

export const DAY_MS = 24 * 60 * 60 * 1000;
