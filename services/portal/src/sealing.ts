import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

// What the portal keeps in Redis that must not be readable there (a completion notice's
// address, an operator's token): AES-256-GCM under one of its derived keys, bound by the
// associated data to the record it belongs to, so a value moved to another record does not open.

export function sealText(key: Buffer, text: string, boundTo: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(boundTo));
  const sealed = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString('base64');
}

export function openText(key: Buffer, stored: string, boundTo: string): string {
  const raw = Buffer.from(stored, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12)).setAAD(Buffer.from(boundTo));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}
