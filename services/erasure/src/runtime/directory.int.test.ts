import { createEventCodec, createSchemaRegistry, loadCatalog } from '@lethe/events';
import type { KafkaClient } from '@lethe/kafka';
import {
  deleteTestTopicsAndGroups,
  eventually,
  testKafka,
  testLogger,
  testServers,
  uniqueName,
} from '@lethe/test-harness';

import { startParticipantDirectory } from './directory';

// Each erasure instance reads the participants topic in a group of its own; a stopped instance
// deletes that group, so restarts do not pile groups up on the broker (issue 13, test hygiene).

describe('the participant directory', () => {
  let kafka: KafkaClient;
  const prefix = uniqueName('directory');
  beforeAll(async () => {
    kafka = await testKafka();
  });
  afterAll(async () => {
    await deleteTestTopicsAndGroups(kafka.admin, prefix);
    await kafka.close();
  });

  it('deletes its own consumer group when it stops', async () => {
    const topic = `${prefix}.lethe.erasure.participants.v1`;
    const groupId = `${prefix}.lethe.erasure.directory.instance-1`;
    await kafka.admin.applyTopics([
      { name: topic, partitions: 1, replicationFactor: 1, config: {}, purpose: 'test' },
    ]);
    const servers = testServers();
    const codec = createEventCodec({
      registry: createSchemaRegistry(servers.registryUrl, { caFile: servers.security.LETHE_TLS_CA_FILE }),
      catalog: loadCatalog(),
    });
    // A record to read, so the group commits an offset and exists on the broker.
    await kafka.send([{ topic, key: 'p', value: Buffer.from('not an event') }]);
    const directory = await startParticipantDirectory({ kafka, codec, logger: testLogger(), topic, groupId });
    await eventually(async () => ((await kafka.admin.listGroups()).includes(groupId) ? true : undefined));
    await directory.stop();
    expect(await kafka.admin.listGroups()).not.toContain(groupId);
  });
});
