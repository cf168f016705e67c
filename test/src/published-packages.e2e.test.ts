import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

import { generateSealingKeys, sealingPrivateKeyFrom } from '@lethe/crypto';

import { eventually } from './isolation';
import { describeOnLocalStack, REPO_DIR } from './local-stack';
import { testDatabase } from './mongo';
import { testServers } from './servers';
import { startWorld, type World } from './world';

// A service in another repository installs @lethe/client and @lethe/participant from the
// tarballs `pnpm pack` makes, with plain npm, in a project outside the workspace, and runs the
// README's example (examples/typescript/notes-service.mjs) against the real servers.

const PACKAGES = ['client', 'participant'] as const;
const EXAMPLE = path.join(REPO_DIR, 'examples', 'typescript', 'notes-service.mjs');
const pnpm = existsSync(path.join(REPO_DIR, '.lethe', 'tools', 'node_modules', '.bin', 'pnpm'))
  ? path.join(REPO_DIR, '.lethe', 'tools', 'node_modules', '.bin', 'pnpm')
  : 'pnpm';
const run = (command: string, args: string[], cwd: string) =>
  execFileSync(command, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 480_000 });

describeOnLocalStack('the published packages, installed outside the workspace', () => {
  let scratch: string;
  let world: World;
  const sealing = generateSealingKeys();

  beforeAll(async () => {
    run(pnpm, ['run', 'packages'], REPO_DIR);
    scratch = mkdtempSync(path.join(tmpdir(), 'lethe-scratch-'));
    for (const name of PACKAGES)
      run(pnpm, ['pack', '--pack-destination', scratch], path.join(REPO_DIR, 'packages', name, 'package'));
    writeFileSync(
      path.join(scratch, 'package.json'),
      JSON.stringify({ name: 'notes-service', private: true, type: 'module' }),
    );
    const tarballs = readdirSync(scratch).filter((file) => file.endsWith('.tgz'));
    const mongodb = (
      JSON.parse(readFileSync(path.join(REPO_DIR, 'package.json'), 'utf8')) as {
        devDependencies: Record<string, string>;
      }
    ).devDependencies.mongodb!;
    run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        ...tarballs.map((file) => `./${file}`),
        `mongodb@${mongodb}`,
        '@types/node@20',
        'typescript@~5.9',
      ],
      scratch,
    );
    world = await startWorld({
      name: 'published',
      ingestSealingKey: sealingPrivateKeyFrom(sealing.privateKey),
    });
  }, 900_000);
  afterAll(async () => {
    await world?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('are self-contained: semver, a README, ESM, CommonJS and types, nothing from the workspace', () => {
    for (const name of PACKAGES) {
      const installed = path.join(scratch, 'node_modules', '@lethe', name);
      const manifest = readFileSync(path.join(installed, 'package.json'), 'utf8');
      const parsed = JSON.parse(manifest) as Record<string, unknown>;
      expect(parsed).toMatchObject({ name: `@lethe/${name}`, license: 'Apache-2.0', type: 'module' });
      expect(parsed.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(parsed.private).toBeUndefined();
      expect(existsSync(path.join(installed, 'README.md'))).toBe(true);
      for (const file of ['package.json', 'dist/index.cjs', 'dist/index.mjs', 'dist/index.d.ts'])
        expect(readFileSync(path.join(installed, file), 'utf8')).not.toMatch(
          /workspace:|lethe-source|@lethe\/(?!client|participant)/,
        );
    }
    // Both module systems load it, and its types check in a strict project of the service's own.
    const loaded = run(
      'node',
      ['-e', "console.log(typeof require('@lethe/client').createAccountEventsClient)"],
      scratch,
    );
    expect(loaded.trim()).toBe('function');
    writeFileSync(
      path.join(scratch, 'check.ts'),
      [
        "import { createAccountEventsClient, joinLethe, type TaskResult } from '@lethe/client';",
        "import { joinErasureProtocol } from '@lethe/participant';",
        "const result: TaskResult = { outcome: 'erased', counts: {}, verifiedEmpty: true, evidence: {} };",
        'export { createAccountEventsClient, joinLethe, joinErasureProtocol, result };',
      ].join('\n'),
    );
    writeFileSync(
      path.join(scratch, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          module: 'nodenext',
          moduleResolution: 'nodenext',
          noEmit: true,
          target: 'es2022',
          types: ['node'],
        },
        files: ['check.ts'],
      }),
    );
    run(path.join(scratch, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], scratch);
  });

  it('runs the README example: a sign-up, a profile change, and a participant erasing its MongoDB collection', async () => {
    copyFileSync(EXAMPLE, path.join(scratch, 'notes-service.mjs'));
    const notesDb = await testDatabase('published-notes');
    const service: ChildProcess = spawn(process.execPath, ['notes-service.mjs'], {
      cwd: scratch,
      env: {
        ...world.outsideServiceEnv(),
        LETHE_ACCOUNT_INGEST_PUBLIC_KEY: sealing.publicKey,
        NOTES_MONGO_URL: testServers().mongoUrl,
        NOTES_DATABASE: notesDb.db.databaseName,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const lines = createInterface({ input: service.stdout! });
    try {
      const started = await new Promise<{ subjectId: string }>((resolve, reject) => {
        service.once('exit', (code) => reject(new Error(`the example exited (${code}) before it started`)));
        // Its logger (pino, warn) shares stdout: the line with the subject id is the example's.
        lines.on('line', (line) => {
          if (line.includes('"taskTopic"')) resolve(JSON.parse(line) as { subjectId: string });
        });
      });
      const { subjectId } = started;
      const notes = notesDb.db.collection('notes');
      expect(await notes.countDocuments({ subjectId })).toBe(2);

      // The sign-up and the profile change reached the account service, sealed and opened.
      const account = await eventually(
        async () => {
          const response = await world.accounts.app.inject({
            url: `/v1/accounts/${subjectId}`,
            headers: world.operator,
          });
          const body = response.statusCode === 200 ? response.json<{ email?: string }>() : undefined;
          return body?.email === 'ada@lovelace.example' ? body : undefined;
        },
        30_000,
        'the account with its changed email',
      );
      expect(account).toMatchObject({ name: 'Ada Lovelace' });
      await eventually(
        async () =>
          world.erasure.directory.declared().some((d) => d.participantId === 'notes') ? true : undefined,
        30_000,
        'the notes participant to register',
      );

      const { outcomes } = await world.deleteAccountAndWait(subjectId);
      expect(outcomes.find((o) => o.participantId === 'notes')).toMatchObject({
        outcome: 'erased',
        verifiedEmpty: true,
      });
      expect(await notes.countDocuments({ subjectId })).toBe(0);
    } finally {
      lines.close();
      const exited = new Promise((resolve) => service.once('exit', resolve));
      service.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (service.exitCode === null) service.kill('SIGKILL');
      await notesDb.drop();
    }
  }, 180_000);
});
