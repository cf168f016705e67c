// What `pnpm bench` gathers from each bench for bench/RESULTS.md: a bench prints its numbers as
// it always has, and also hands its headline figures here. They go, one JSON line each, to the
// file named by LETHE_BENCH_SUMMARY (run-all.ts sets it); run alone, a bench writes nothing.
import { appendFileSync } from 'node:fs';

export interface BenchFigure {
  /** What was measured, e.g. "consent checks per second (wrk, 32 connections)". */
  readonly what: string;
  /** The figure as printed, with its unit. */
  readonly value: string;
  /** The floor it is measured against, with its own figure. */
  readonly floor?: string;
  /** The figure against its floor, as printed. */
  readonly ratio?: string;
  /** The target for it. */
  readonly target?: string;
  /** The figure as a number, where another bench's figure is measured against it. */
  readonly rate?: number;
  /** Whether the target is met; undefined when there is no target. */
  readonly met?: boolean;
}

export function recordFigures(bench: string, figures: readonly BenchFigure[]): void {
  const file = process.env.LETHE_BENCH_SUMMARY;
  if (!file) return;
  for (const figure of figures) appendFileSync(file, `${JSON.stringify({ bench, ...figure })}\n`);
}

/** 12345.6 as "12,346". */
export const count = (value: number, digits = 0) =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
