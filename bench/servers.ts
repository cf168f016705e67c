// The servers a bench talks to, found the way the tests find them (the environment, else the
// local stack as the `admin` principal, with its TLS and credentials), and exported to the
// environment so every client made here (and every child process) reads the same settings.
import { Kafka, logLevel } from 'kafkajs';

import { kafkaConnectionFromEnv, type KafkaConnection } from '@lethe/kafka';

import { exportServers, resolveServers, type Servers } from '../test/src/servers';
import { ensureTestTaskKeys } from '../test/src/task-keys';

let found: Promise<Servers> | undefined;

export function benchServers(): Promise<Servers> {
  found ??= resolveServers().then((servers) => {
    exportServers(servers);
    ensureTestTaskKeys(process.env); // the erasure service and participants made here trust one pair
    return servers;
  });
  return found;
}

/** Brokers, TLS and SASL of the bench's servers. */
export async function benchKafka(): Promise<KafkaConnection> {
  await benchServers();
  return kafkaConnectionFromEnv(process.env);
}

/** A bare kafkajs client on the same connection: the floor a bench measures against. */
export async function rawKafka(clientId: string): Promise<Kafka> {
  const { brokers, tls, sasl } = await benchKafka();
  return new Kafka({
    brokers: [...brokers],
    clientId,
    logLevel: logLevel.NOTHING,
    ...(tls === undefined ? {} : { ssl: tls }),
    ...(sasl === undefined ? {} : { sasl: { ...sasl } as never }),
  });
}
