import type { Servers } from './servers';

// Only where a Docker engine exists (never on the machines this project is built on, which
// have none): the same four servers as docker-compose.yml, through testcontainers. The package
// is not a dependency; install it (`pnpm add -Dw testcontainers`) to use this path.
const IMAGES = {
  kafka: 'apache/kafka:4.1.1',
  mongo: 'mongo:7',
  redis: 'redis:7',
  registry: 'apicurio/apicurio-registry:3.3.3',
};

interface StartedContainer {
  getHost(): string;
  getMappedPort(port: number): number;
}
interface ContainerBuilder {
  withExposedPorts(...ports: (number | { container: number; host: number })[]): ContainerBuilder;
  withEnvironment(env: Record<string, string>): ContainerBuilder;
  withWaitStrategy(strategy: unknown): ContainerBuilder;
  start(): Promise<StartedContainer>;
}
interface TestcontainersModule {
  GenericContainer: new (image: string) => ContainerBuilder;
  Wait: { forLogMessage(message: string): unknown };
}

export async function startContainers(): Promise<Servers> {
  const moduleName = 'testcontainers';
  const tc = (await import(moduleName).catch(() => {
    throw new Error(
      'A Docker engine is here but testcontainers is not installed: pnpm add -Dw testcontainers',
    );
  })) as TestcontainersModule;
  const { GenericContainer, Wait } = tc;
  const [kafka, mongo, redis, registry] = await Promise.all([
    // The image advertises localhost:9092, so the host port must be 9092 too.
    new GenericContainer(IMAGES.kafka)
      .withExposedPorts({ container: 9092, host: 9092 })
      .withWaitStrategy(Wait.forLogMessage('Kafka Server started'))
      .start(),
    new GenericContainer(IMAGES.mongo).withExposedPorts(27017).start(),
    new GenericContainer(IMAGES.redis).withExposedPorts(6379).start(),
    new GenericContainer(IMAGES.registry)
      .withEnvironment({ APICURIO_RULES_GLOBAL_COMPATIBILITY: 'BACKWARD' })
      .withExposedPorts(8080)
      .start(),
  ]);
  return {
    kafkaBrokers: [`${kafka.getHost()}:${kafka.getMappedPort(9092)}`],
    mongoUrl: `mongodb://${mongo.getHost()}:${mongo.getMappedPort(27017)}/`,
    security: {},
    redisUrl: `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`,
    registryUrl: `http://${registry.getHost()}:${registry.getMappedPort(8080)}/apis/ccompat/v7`,
    source: 'testcontainers',
  };
}
