import { makeEvent } from '@lethe/events';
import { eventually, type TestScope } from '@lethe/test-harness';

import { openLedgerScope, startScopeAudit, testLedgerKeys, verifyScope } from '../test/ledger-fixture';
import type { AuditService } from './service';

// Entries after the last checkpoint must not stay unsigned until 100 more arrive: a quiet
// writer signs what it has.

describe('a quiet ledger writer', () => {
  const ledgerKeys = testLedgerKeys();
  let scope: TestScope;
  let audit: AuditService;

  beforeAll(async () => {
    scope = await openLedgerScope('idlecp', 1);
    audit = await startScopeAudit(scope, ledgerKeys, {
      checkpointEvery: 100,
      checkpointIdleMs: 300,
    });
  });
  afterAll(async () => {
    await audit.stop();
    await scope.close();
  });

  it('signs a checkpoint over its newest entry once no event has come for a while', async () => {
    const events = [1, 2, 3].map((n) =>
      makeEvent(
        'AccountErased',
        { subjectId: `sub_idle${n}`, correlationId: 'c', producer: 'test', occurredAt: Date.now() },
        { requestId: `req_idle${n}` },
      ),
    );
    await scope.kafka.eventProducer(scope.codec, scope.topicName).publish(events.map((event) => ({ event })));
    const report = await eventually(
      async () => {
        const result = await verifyScope(scope, ledgerKeys.publicKey);
        return result.ledger.entries === 3 && result.ledger.checkpoints === 1 ? result : undefined;
      },
      20_000,
      'a checkpoint over three entries, well before a hundred',
    );
    expect(report.ok).toBe(true);
    expect(report.ledger.lastSeq).toBe(3);
    // Once signed, a quiet writer signs nothing more.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const later = await verifyScope(scope, ledgerKeys.publicKey);
    expect(later.ledger.checkpoints).toBe(1);
  });
});
