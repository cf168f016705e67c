import type { ChildProcess } from 'node:child_process';
import { eventually, freePort, killHard, type TestScope } from '@lethe/test-harness';

import {
  activityEvents,
  ledgerEntries,
  openLedgerScope,
  spawnAuditService,
  testLedgerKeys,
  verifyScope,
} from '../test/ledger-fixture';

// kill -9 the audit service in the middle of a stream of events, start it again: the chain has
// every event exactly once, no gap and no duplicate, and verifies from offset 0.

const EVENTS = 3000;
const ledgerKeys = testLedgerKeys();

describe('the audit service under kill -9', () => {
  let scope: TestScope;
  let port: number;

  const start = (): ChildProcess =>
    spawnAuditService(scope, {
      port,
      ledgerKeys,
      env: {
        LETHE_AUDIT_CHECKPOINT_EVERY: '250',
        LETHE_AUDIT_CHECKPOINT_IDLE_MS: '0', // the count below is of the every-250 checkpoints
      },
    });

  beforeAll(async () => {
    scope = await openLedgerScope('auditcrash');
    port = await freePort();
  });
  afterAll(() => scope.close());

  it('keeps one entry per event, with no gap, across a crash', async () => {
    const producer = scope.kafka.eventProducer(scope.codec, scope.topicName);
    for (let i = 0; i < EVENTS / 2; i += 500) await producer.publish(activityEvents(i, 500));

    const child = start();
    await eventually(
      async () => ((await ledgerEntries(scope)) > 50 ? true : undefined),
      60_000,
      'the ledger to start',
    );
    // More events arrive while it works; it dies in the middle of them.
    const more = (async () => {
      for (let i = EVENTS / 2; i < EVENTS; i += 250) await producer.publish(activityEvents(i, 250));
    })();
    await killHard(child);
    await more;
    const beforeRestart = await ledgerEntries(scope);

    start();
    const report = await eventually(
      async () => {
        const result = await verifyScope(scope, ledgerKeys.publicKey);
        return result.ledger.entries >= EVENTS ? result : undefined;
      },
      120_000,
      'every event in the ledger',
    );
    expect(report.problems).toEqual([]);
    expect(report.ledger).toMatchObject({ entries: EVENTS, lastSeq: EVENTS });
    expect(report.ledger.checkpoints).toBe(EVENTS / 250);
    expect(beforeRestart).toBeLessThan(EVENTS + EVENTS / 250); // it really was interrupted
  }, 240_000);
});
