import { createLogger } from '@lethe/logger';

import { joinErasureProtocol, type ParticipantDeps } from './participant';

// A participant without an erase handler answers access requests only, so it must say it holds
// nothing an erasure removes (no categories): otherwise erasures would wait on it for nothing.

const declaration = { participantId: 'schedule', stores: ['db:schedule'], phase: 1, timeoutMs: 1000 };
const base = {
  // Never reached: the declaration is refused before Kafka is touched.
  kafka: {} as ParticipantDeps['kafka'],
  codec: {} as ParticipantDeps['codec'],
  logger: createLogger({ name: 'test', level: 'silent' }),
  taskPublicKeys: [],
};

describe('a participant that only exports', () => {
  it('is refused when it declares categories an erasure would plan it for', async () => {
    await expect(
      joinErasureProtocol({
        ...base,
        declaration: { ...declaration, categories: ['account'] },
        export: async () => ({ records: {} }),
      }),
    ).rejects.toThrow('declare no categories');
  });

  it('is refused with neither an erase nor an export handler', async () => {
    await expect(
      joinErasureProtocol({ ...base, declaration: { ...declaration, categories: [] } }),
    ).rejects.toThrow('without an erase handler it must export');
  });
});
