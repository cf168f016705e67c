import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface, type Interface } from 'node:readline';

import { generateSealingKeys, sealingPrivateKeyFrom } from '@lethe/crypto';
import { isEventOfType, makeEvent, type LetheEvent } from '@lethe/events';
import { evidenceDigest } from '@lethe/participant';
import { generateSigningKeys, privateKeyFrom } from '@lethe/service-kit';

import { readAllEvents } from './events';
import { eventually } from './isolation';
import { describeOnLocalStack, REPO_DIR } from './local-stack';
import { pythonWith } from './python';
import { signedTaskData } from './task-keys';
import { startWorld, type World } from './world';

// A second language, as another team would write it: examples/python emits account events
// (confluent-kafka, the registry's Avro serializer, pyhpke) and runs an erasure participant for
// a SQLite table (Ed25519 task signatures checked with cryptography), against the real servers.

const EXAMPLES = path.join(REPO_DIR, 'examples', 'python');
let python: string;
const PARTICIPANT_ID = 'python-notes';

/** Runs SQL on the participant's own SQLite file (Node 20 has no SQLite of its own). */
function sqlite(file: string, sql: string, ...params: string[]): string {
  const script =
    'import sqlite3,sys,json\nc=sqlite3.connect(sys.argv[1])\nr=c.execute(sys.argv[2],sys.argv[3:]).fetchall()\nc.commit()\nprint(json.dumps(r))';
  return execFileSync(python, ['-c', script, file, sql, ...params], { encoding: 'utf8' }).trim();
}

describeOnLocalStack('the Python examples', () => {
  let world: World;
  let scratch: string;
  let sqliteFile: string;
  let participant: ChildProcess | undefined;
  let participantLines: Interface | undefined;
  const printed: string[] = [];
  const sealing = generateSealingKeys();

  const exampleEnv = (): NodeJS.ProcessEnv => ({
    ...world.outsideServiceEnv(),
    LETHE_ACCOUNT_INGEST_PUBLIC_KEY: sealing.publicKey,
    NOTES_SQLITE_FILE: sqliteFile,
  });

  beforeAll(async () => {
    python = pythonWith(path.join(EXAMPLES, 'requirements.txt'));
    world = await startWorld({ name: 'python', ingestSealingKey: sealingPrivateKeyFrom(sealing.privateKey) });
    scratch = mkdtempSync(path.join(tmpdir(), 'lethe-python-'));
    sqliteFile = path.join(scratch, 'notes.sqlite');
  }, 900_000);
  afterAll(async () => {
    participantLines?.close();
    participant?.stdout?.destroy();
    if (participant && participant.exitCode === null) {
      const exited = new Promise((resolve) => participant!.once('exit', resolve));
      participant.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (participant.exitCode === null) participant.kill('SIGKILL');
    }
    await world?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('emits a sign-up and a profile change, sealed with HPKE, that the account service opens', async () => {
    const emitted = execFileSync(python, ['emit_account_events.py'], {
      cwd: EXAMPLES,
      env: exampleEnv(),
      encoding: 'utf8',
    });
    const { subjectId } = JSON.parse(emitted.trim().split('\n').at(-1)!) as { subjectId: string };
    const account = await eventually(
      async () => {
        const response = await world.accounts.app.inject({
          url: `/v1/accounts/${subjectId}`,
          headers: world.operator,
        });
        const body = response.statusCode === 200 ? response.json<Record<string, unknown>>() : undefined;
        return body?.email === 'ada@analytical.example' ? body : undefined;
      },
      30_000,
      'the account from the Python emitter',
    );
    expect(account).toMatchObject({ name: 'Ada Lovelace', phone: '+44 20 7946 0000' });
  });

  it('runs a participant that verifies task signatures, erases its SQLite table and answers', async () => {
    const subjectId = await world.openAccount('lin');
    const bystander = `sub_${randomUUID().replace(/-/g, '')}`;
    sqlite(sqliteFile, 'CREATE TABLE IF NOT EXISTS notes (subject_id TEXT NOT NULL, text TEXT NOT NULL)');
    for (const [who, text] of [
      [subjectId, 'call the dentist'],
      [subjectId, 'buy flowers'],
      [bystander, 'stays'],
    ] as const)
      sqlite(sqliteFile, 'INSERT INTO notes VALUES (?, ?)', who, text);

    participant = spawn(python, ['notes_participant.py'], {
      cwd: EXAMPLES,
      env: exampleEnv(),
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    participantLines = createInterface({ input: participant.stdout! });
    participantLines.on('line', (line) => printed.push(line));
    await eventually(
      async () =>
        world.erasure.directory.declared().some((d) => d.participantId === PARTICIPANT_ID) ? true : undefined,
      60_000,
      'the Python participant to register',
    );

    // A task signed by a key the erasure service does not hold is never run.
    const forged = signedTaskData(
      { requestId: `req_${randomUUID()}`, participantId: PARTICIPANT_ID, subjectId: bystander },
      { signingKey: privateKeyFrom(generateSigningKeys().privateKey) },
    );
    await world.kafka.eventProducer(world.codec, world.topicName).publish([
      {
        topic: world.topicName(`lethe.erasure.tasks.${PARTICIPANT_ID}.v1`),
        event: makeEvent(
          'ErasureTaskIssued',
          {
            subjectId: bystander,
            correlationId: forged.requestId,
            producer: 'intruder',
            occurredAt: Date.now(),
          },
          forged,
        ),
      },
    ]);
    await eventually(
      async () => (printed.some((line) => line.includes(forged.requestId)) ? true : undefined),
      30_000,
      'the forged task refused',
    );
    expect(sqlite(sqliteFile, 'SELECT COUNT(*) FROM notes WHERE subject_id = ?', bystander)).toBe('[[1]]');

    const { requestId, outcomes } = await world.deleteAccountAndWait(subjectId);
    // The certificate lists the Python participant with its outcome.
    expect(outcomes.find((o) => o.participantId === PARTICIPANT_ID)).toMatchObject({
      outcome: 'erased',
      verifiedEmpty: true,
    });
    expect(sqlite(sqliteFile, 'SELECT COUNT(*) FROM notes WHERE subject_id = ?', subjectId)).toBe('[[0]]');
    expect(sqlite(sqliteFile, 'SELECT COUNT(*) FROM notes WHERE subject_id = ?', bystander)).toBe('[[1]]');

    // Python's canonical JSON gives the digest TypeScript's gives for the same evidence.
    const answered = await eventually(
      async () =>
        (await readAllEvents(world.kafka, world.codec, world.topicName('lethe.erasure.events.v1'))).find(
          (e: LetheEvent) =>
            isEventOfType(e, 'ErasureTaskCompleted') &&
            e.data.requestId === requestId &&
            e.data.participantId === PARTICIPANT_ID,
        ),
      30_000,
      'the Python answer on the erasure log',
    );
    expect(isEventOfType(answered, 'ErasureTaskCompleted') && answered.data).toMatchObject({
      counts: { 'sqlite:notes': 2 },
      evidenceDigest: evidenceDigest({ remaining: 0, table: 'notes' }),
    });
  }, 180_000);
});
