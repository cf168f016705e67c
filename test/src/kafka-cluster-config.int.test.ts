import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { REPO_DIR } from './local-stack';

// `./lethe up --brokers 3` (deploy/local/lib/kafka.sh): what each node of the local cluster is
// configured with, written by the stack's own functions into a scratch LETHE_HOME. The cluster
// itself is exercised by `bench/chaos.ts --failover` (a broker killed mid-run; docs/operations.md).

function nodeProperties(nodes: string, node: number): Record<string, string> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'lethe-kafka-nodes-'));
  try {
    const lib = path.join(REPO_DIR, 'deploy', 'local', 'lib');
    const script = [
      'set -euo pipefail',
      `source ${lib}/common.sh`,
      ...['tls', 'secrets', 'kafka'].map((name) => `source ${lib}/${name}.sh`),
      'ensure_secrets >/dev/null',
      `mkdir -p "$(kafka_data_of ${node})"`,
      `write_kafka_config ${node}`,
      `cat "$(kafka_data_of ${node})/server.properties"`,
    ].join('\n');
    const run = spawnSync('bash', ['-c', script], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, LETHE_HOME: home, LETHE_KAFKA_NODES: nodes },
    });
    if (run.status !== 0) throw new Error(run.stderr);
    return Object.fromEntries(
      run.stdout
        .split('\n')
        .filter((line) => line.includes('=') && !line.startsWith('#'))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

describe('the local Kafka cluster', () => {
  it('makes every one of three nodes a broker and a voter, with replicated internal topics', () => {
    const second = nodeProperties('3', 2);
    expect(second).toMatchObject({
      'node.id': '2',
      'process.roles': 'broker,controller',
      'controller.quorum.voters': '1@127.0.0.1:9093,2@127.0.0.1:9095,3@127.0.0.1:9097',
      listeners: 'SASL_SSL://127.0.0.1:9094,CONTROLLER://127.0.0.1:9095',
      'advertised.listeners': 'SASL_SSL://127.0.0.1:9094',
      'offsets.topic.replication.factor': '3',
      'transaction.state.log.replication.factor': '3',
      'transaction.state.log.min.isr': '2',
      'allow.everyone.if.no.acl.found': 'false',
    });
    expect(second['log.dirs']).toMatch(/\/data\/kafka-2\/log$/);
  });

  it('keeps the single node as it was', () => {
    expect(nodeProperties('1', 1)).toMatchObject({
      'node.id': '1',
      'controller.quorum.voters': '1@127.0.0.1:9093',
      listeners: 'SASL_SSL://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093',
      'offsets.topic.replication.factor': '1',
      'transaction.state.log.min.isr': '1',
    });
  });

  it('refuses a cluster size it does not run', () => {
    const run = spawnSync('bash', ['-c', `source ${REPO_DIR}/deploy/local/lib/common.sh`], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, LETHE_HOME: os.tmpdir(), LETHE_KAFKA_NODES: '2' },
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('--brokers must be 1 or 3, not 2');
  });
});
