import type { IHeaders } from 'kafkajs';

/** Record headers as strings: Lethe's headers are ids, types and causes, never binary. */
export function headersOf(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers ?? {}))
    if (value !== undefined)
      out[name] = Array.isArray(value) ? value.map(String).join(',') : value.toString();
  return out;
}
