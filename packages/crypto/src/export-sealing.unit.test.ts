import { randomBytes } from 'node:crypto';

import { exportPrivateKey, exportPublicKeyOf, openExport, sealExport } from './export-sealing';
import { sealingPublicKeyFrom } from './sealed-box';

describe('export sealing', () => {
  const subjectKey = randomBytes(32);
  const address = { requestId: 'acc_1', subjectId: 'sub_1', participantId: 'account' };

  it('derives the same key for a request every time, and another for another request or subject', () => {
    const key = exportPublicKeyOf(exportPrivateKey(subjectKey, 'acc_1'));
    expect(exportPublicKeyOf(exportPrivateKey(subjectKey, 'acc_1'))).toBe(key);
    expect(exportPublicKeyOf(exportPrivateKey(subjectKey, 'acc_2'))).not.toBe(key);
    expect(exportPublicKeyOf(exportPrivateKey(randomBytes(32), 'acc_1'))).not.toBe(key);
  });

  it('opens an export sealed to the public half, only for its own request, subject and participant', () => {
    const privateKey = exportPrivateKey(subjectKey, 'acc_1');
    const sealed = sealExport(sealingPublicKeyFrom(exportPublicKeyOf(privateKey)), address, '{"a":1}');
    expect(openExport(privateKey, address, sealed)).toBe('{"a":1}');
    expect(() => openExport(privateKey, { ...address, participantId: 'consent' }, sealed)).toThrow();
    expect(() => openExport(privateKey, { ...address, subjectId: 'sub_2' }, sealed)).toThrow();
    expect(() => openExport(exportPrivateKey(randomBytes(32), 'acc_1'), address, sealed)).toThrow();
  });
});
