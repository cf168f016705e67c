import { readFileSync } from 'node:fs';
import path from 'node:path';

/** A purpose a subject can consent to; the list is configuration (purposes.json). */
export interface Purpose {
  readonly id: string;
  readonly description: string;
  /** The channel of marketing contact data this purpose needs kept, if any. */
  readonly marketingContact?: 'email' | 'sms';
  /** An opt-out preference signal (Sec-GPC: 1) withdraws it: a CCPA sale or sharing. */
  readonly saleOrSharing: boolean;
}

export const DEFAULT_PURPOSES_FILE = path.resolve(__dirname, '..', '..', 'purposes.json');

export class PurposesInvalid extends Error {
  override readonly name = 'PurposesInvalid';
  readonly code = 'CONSENT_PURPOSES_INVALID';
}

/** Reads and checks the purposes file; a bad one stops the service with the reason. */
export function loadPurposes(file: string = DEFAULT_PURPOSES_FILE): ReadonlyMap<string, Purpose> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new PurposesInvalid(`${file}: ${(cause as Error).message}`);
  }
  const list = (parsed as { purposes?: unknown }).purposes;
  if (!Array.isArray(list) || list.length === 0)
    throw new PurposesInvalid(`${file}: "purposes" must be a non-empty list`);
  const purposes = new Map<string, Purpose>();
  list.forEach((entry: Partial<Purpose>, index) => {
    const where = `${file}: purposes[${index}]`;
    if (typeof entry.id !== 'string' || !/^[a-z][a-z0-9-]{0,63}$/.test(entry.id))
      throw new PurposesInvalid(`${where}.id must be lowercase letters, digits and dashes`);
    if (purposes.has(entry.id)) throw new PurposesInvalid(`${where}.id ${entry.id} is listed twice`);
    if (entry.marketingContact !== undefined && !['email', 'sms'].includes(entry.marketingContact))
      throw new PurposesInvalid(`${where}.marketingContact must be email or sms`);
    purposes.set(entry.id, {
      id: entry.id,
      description: String(entry.description ?? ''),
      saleOrSharing: entry.saleOrSharing === true,
      ...(entry.marketingContact ? { marketingContact: entry.marketingContact } : {}),
    });
  });
  return purposes;
}
