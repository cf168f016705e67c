import { createPublicKey, hkdfSync, type KeyObject } from 'node:crypto';

import { x25519PrivateFromRaw } from './hpke';
import { openSealed, sealTo, type OpenOptions } from './sealed-box';

// Access requests (DESIGN.md section 9): each participant seals its export to a key of the
// request. The key is derived from the subject's data key, so nothing holds it at rest and
// shredding the subject's key makes every sealed answer (on Kafka too) unreadable.

const EXPORT_KEY_INFO = Buffer.from('lethe.export-key.v1');

/** The request's X25519 private key, from the subject's data key and the request id. */
export function exportPrivateKey(subjectKey: Buffer, requestId: string): KeyObject {
  const raw = Buffer.from(hkdfSync('sha256', subjectKey, Buffer.from(requestId), EXPORT_KEY_INFO, 32));
  return x25519PrivateFromRaw(raw);
}

/** base64 SPKI DER of a private key's public half: what goes in the signed export task. */
export function exportPublicKeyOf(privateKey: KeyObject): string {
  return createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).toString('base64');
}

/** The answer's context: a sealed export opens only for its own request, subject and participant. */
function exportAssociatedData(requestId: string, subjectId: string, participantId: string): Buffer {
  return Buffer.from(JSON.stringify(['lethe.export.v1', requestId, subjectId, participantId]));
}

export interface ExportAddress {
  readonly requestId: string;
  readonly subjectId: string;
  readonly participantId: string;
}

export function sealExport(exportKey: KeyObject, address: ExportAddress, json: string): Buffer {
  const aad = exportAssociatedData(address.requestId, address.subjectId, address.participantId);
  return sealTo(exportKey, Buffer.from(json, 'utf8'), aad);
}

/** Opens a participant's export; a wrong key, request, subject or participant is CRYPTO_BAD_TAG. */
export function openExport(
  privateKey: KeyObject,
  address: ExportAddress,
  sealed: Buffer,
  options: OpenOptions = {},
): string {
  const aad = exportAssociatedData(address.requestId, address.subjectId, address.participantId);
  return openSealed(privateKey, sealed, aad, options).toString('utf8');
}
