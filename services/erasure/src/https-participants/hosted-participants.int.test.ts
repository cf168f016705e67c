import { isEventOfType } from '@lethe/events';
import { serviceFetch } from '@lethe/service-kit';
import {
  eventually,
  openTestScope,
  participantBasics,
  readAllEvents,
  type TestScope,
} from '@lethe/test-harness';

import { startHostedParticipants } from './hosted-participants';
import { mongoHttpsParticipantStore } from './https-participant-store';

describe('HTTPS participants hosted by the erasure service', () => {
  let scope: TestScope;

  beforeAll(async () => {
    scope = await openTestScope('hosted', { topics: ['lethe.erasure.participants.v1'] });
  });
  afterAll(async () => {
    await scope.close();
  });

  it('are joined again from their saved registrations when the service starts', async () => {
    const store = mongoHttpsParticipantStore(scope.db);
    await store.save({
      participantId: 'https-billing',
      endpoint: 'https://billing.internal/lethe/erasure-tasks',
      stores: ['billing:invoices'],
      categories: ['billing'],
      phase: 1,
      timeoutMs: 5_000,
      registeredBy: 'operator:test',
      registeredAt: new Date().toISOString(),
    });

    // A restarted erasure service: nothing but the store tells it about the participant.
    const hosted = await startHostedParticipants({
      ...participantBasics({ kafka: scope.kafka, codec: scope.codec, topicName: scope.topicName }),
      store,
      fetch: serviceFetch(undefined),
    });
    try {
      const registered = await eventually(
        async () =>
          (
            await readAllEvents(scope.kafka, scope.codec, scope.topicName('lethe.erasure.participants.v1'))
          ).find(
            (event) =>
              isEventOfType(event, 'ParticipantRegistered') && event.data.participantId === 'https-billing',
          ),
        20_000,
        'the hosted participant registered',
      );
      expect(isEventOfType(registered, 'ParticipantRegistered') && registered.data).toMatchObject({
        taskTopic: 'lethe.erasure.tasks.https-billing.v1',
        categories: ['billing'],
        timeoutMs: 5_000,
      });
      expect(
        (await scope.admin.listTopics()).includes(scope.topicName('lethe.erasure.tasks.https-billing.v1')),
      ).toBe(true);
      expect((await hosted.list()).map((r) => r.participantId)).toEqual(['https-billing']);
    } finally {
      await hosted.stop();
    }
  });
});
