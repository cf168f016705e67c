// HTTP load from wrk (Debian's `wrk`), not from a Node loop: the bench's own loop saturates near
// 1,500 requests/s on these cores, below what the routes it measures can serve. A Lua script
// gives each request its path and headers.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface WrkResult {
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Non-2xx/3xx answers and socket errors. */
  readonly errors: number;
}

const WRK = process.env.LETHE_WRK ?? 'wrk';

/** Fails with what to do when wrk is missing. */
export function requireWrk(): void {
  try {
    execFileSync(WRK, ['--version'], { stdio: 'ignore' });
  } catch (error) {
    // wrk --version exits 1 after printing its version: only a missing binary throws ENOENT.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new Error('no wrk: apt-get install wrk (Debian), or set LETHE_WRK to its path', {
        cause: error,
      });
  }
}

export interface WrkLoad {
  readonly paths: readonly string[];
  readonly headers?: Record<string, string>;
  readonly method?: 'GET' | 'POST' | 'PATCH';
  /** A Lua expression for each request's body; `id` (the wrk thread) and `n` are in scope. */
  readonly luaBody?: string;
  readonly connections: number;
  readonly seconds: number;
}

/** wrk's Lua: each request takes the next of `paths`, with `headers` and the body expression. */
function script(load: WrkLoad): string {
  const lua = (text: string) => JSON.stringify(text); // a JSON string is a valid Lua string here
  return `local paths = { ${load.paths.map(lua).join(', ')} }
local headers = { ${Object.entries(load.headers ?? {})
    .map(([name, value]) => `[${lua(name)}] = ${lua(value)}`)
    .join(', ')} }
local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("id", threads)
end
local n = 0
request = function()
  n = n + 1
  return wrk.format(${lua(load.method ?? 'GET')}, paths[(n % #paths) + 1], headers, ${load.luaBody ?? 'nil'})
end
`;
}

const toMs = (value: string, unit: string) =>
  Number(value) * ({ us: 0.001, ms: 1, s: 1000 } as Record<string, number>)[unit]!;

/** Asynchronous: the route under load may be served by this very process (a floor). */
export async function runWrk(baseUrl: string, load: WrkLoad): Promise<WrkResult> {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'lethe-wrk-')), 'requests.lua');
  writeFileSync(file, script(load));
  const { stdout: out } = await promisify(execFile)(
    WRK,
    ['-t2', `-c${load.connections}`, `-d${load.seconds}s`, '--latency', '-s', file, baseUrl],
    { encoding: 'utf8' },
  );
  const percentile = (p: string) => {
    const match = new RegExp(`^\\s+${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(out);
    if (!match) throw new Error(`wrk printed no ${p}th percentile:\n${out}`);
    return toMs(match[1]!, match[2]!);
  };
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  if (!rps) throw new Error(`wrk printed no rate:\n${out}`);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = socket ? socket.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  return {
    requestsPerSecond: Number(rps[1]),
    p50Ms: percentile('50'),
    p99Ms: percentile('99'),
    errors: non2xx + socketErrors,
  };
}
