import { makeEvent } from '@lethe/events';
import { eventually, type TestScope } from '@lethe/test-harness';

import { openLedgerScope, startScopeAudit, testLedgerKeys, verifyScope } from '../test/ledger-fixture';
import type { AuditService } from './service';

// The writer remembers only the latest event ids (bounded memory whatever the history): a second
// copy within that window gets no entry; an older one gets its own, and the ledger still verifies,
// since it has the first copy's bytes.

describe('the ledger writer, remembering only the latest event ids', () => {
  const ledgerKeys = testLedgerKeys();
  let scope: TestScope;
  let audit: AuditService;

  beforeAll(async () => {
    scope = await openLedgerScope('dedupe', 1);
    audit = await startScopeAudit(scope, ledgerKeys, {
      checkpointEvery: 100,
      checkpointIdleMs: 300,
      dedupeWindow: 2,
    });
  });
  afterAll(async () => {
    await audit.stop();
    await scope.close();
  });

  it('skips a copy inside the window, ledgers one outside it, and the ledger verifies', async () => {
    const values = await Promise.all(
      ['a', 'b', 'c'].map((n) =>
        scope.codec.encode(
          makeEvent(
            'AccountActivityRecorded',
            { subjectId: `sub_dedupe_${n}`, correlationId: 'c', producer: 'test', occurredAt: Date.now() },
            { day: '2026-12-01', channel: n },
          ),
        ),
      ),
    );
    const topic = scope.topicName('lethe.account.events.v1');
    const sendAndWait = async (value: Buffer, seq: number) => {
      await scope.kafka.send([{ topic, key: 'sub_dedupe', value }]);
      await eventually(
        async () => ((audit.writer.head()?.seq ?? 0) >= seq ? true : undefined),
        20_000,
        `entry ${seq}`,
      );
    };
    const [a, b, c] = values as [Buffer, Buffer, Buffer];
    await sendAndWait(a, 1);
    await sendAndWait(b, 2);
    await sendAndWait(c, 3); // a is now older than the window of two
    await scope.kafka.send([{ topic, key: 'sub_dedupe', value: c }]); // inside it: no entry
    await sendAndWait(a, 4); // outside it: an entry of its own
    const report = await eventually(
      async () => {
        const result = await verifyScope(scope, ledgerKeys.publicKey);
        return result.ledger.entries === 4 && result.ledger.checkpoints > 0 ? result : undefined;
      },
      20_000,
      'the four entries under a signed head',
    );
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
  });
});
