import { kafkaConnectionFromEnv, topicOwnershipFromEnv } from './connection';

describe('topic ownership from the environment', () => {
  it('manages its topics in the local layout by default', () => {
    expect(topicOwnershipFromEnv({})).toEqual({
      manage: true,
      layout: { partitions: 3, replicationFactor: 1 },
    });
    expect(kafkaConnectionFromEnv({}).topics?.manage).toBe(true);
  });

  it('leaves topics to operators, in the production layout, with figures overridden', () => {
    expect(
      topicOwnershipFromEnv({
        LETHE_MANAGE_TOPICS: 'false',
        LETHE_TOPIC_LAYOUT: 'production',
        LETHE_TOPIC_PARTITIONS: '12',
      }),
    ).toEqual({ manage: false, layout: { partitions: 12, replicationFactor: 3 } });
  });

  it('refuses values it cannot read, naming the variable', () => {
    expect(() => topicOwnershipFromEnv({ LETHE_MANAGE_TOPICS: 'no' })).toThrow(/LETHE_MANAGE_TOPICS/);
    expect(() => topicOwnershipFromEnv({ LETHE_TOPIC_LAYOUT: 'prod' })).toThrow(/local, production/);
    expect(() => topicOwnershipFromEnv({ LETHE_TOPIC_REPLICATION_FACTOR: '0' })).toThrow(
      /LETHE_TOPIC_REPLICATION_FACTOR/,
    );
  });
});
