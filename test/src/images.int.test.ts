import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { eventually } from './isolation';
import { freePort } from './ports';
import { killHard } from './processes';
import { fetchLocal, LETHE_HOME, onLocalStack, REPO_DIR } from './local-stack';
import { localPrincipalEnv } from './servers';

// The service images (Dockerfile), without a Docker engine: hadolint lints the Dockerfile, and
// what its build stage makes (the compiled service, `pnpm deploy --prod`) is made here the same
// way and started as the image starts it (`node dist/main.js`, NODE_ENV=production): it answers
// /readyz against the local stack, and the image's HEALTHCHECK script passes.

const HADOLINT = [path.join(LETHE_HOME, 'tools', 'hadolint', 'bin', 'hadolint'), 'hadolint'].find(
  (candidate) => !candidate.includes('/') || existsSync(candidate),
)!;

describe('the service images', () => {
  it('has a Dockerfile hadolint passes: multi-stage, pinned pnpm, numeric non-root user, HEALTHCHECK', () => {
    const linted = spawnSync(HADOLINT, ['Dockerfile'], { cwd: REPO_DIR, encoding: 'utf8' });
    expect(linted.error).toBeUndefined();
    expect(`${linted.stdout}${linted.stderr}`).toBe('');
    expect(linted.status).toBe(0);
    const dockerfile = readFileSync(path.join(REPO_DIR, 'Dockerfile'), 'utf8');
    // build, docker-compose's setup, the service.
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(3);
    expect(dockerfile).toMatch(/^USER 1000:1000$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK /m);
    expect(dockerfile).toMatch(/^ENTRYPOINT \["node", "dist\/main\.js"\]$/m);
  });

  (onLocalStack() ? it : it.skip)(
    'runs the compiled, pruned consent service and lethe command as the images do',
    async () => {
      const out = mkdtempSync(path.join(tmpdir(), 'lethe-image-'));
      // As the build stage does, in a copy of the repository: `pnpm deploy --prod` prunes the
      // development dependencies of the workspace it runs in.
      const repo = path.join(out, 'repo');
      const copied = spawnSync(
        'bash',
        [
          '-c',
          `mkdir -p ${JSON.stringify(repo)} && git ls-files -z -co --exclude-standard | ` +
            `tar --null -T - -cf - | tar -xf - -C ${JSON.stringify(repo)}`,
        ],
        { cwd: REPO_DIR, encoding: 'utf8' },
      );
      if (copied.status !== 0) throw new Error(`copying the repository failed: ${copied.stderr}`);
      const pnpm = (...args: string[]) => {
        const run = spawnSync('pnpm', args, { cwd: repo, encoding: 'utf8' });
        if (run.status !== 0) throw new Error(`pnpm ${args.join(' ')} failed:\n${run.stdout}\n${run.stderr}`);
      };
      let service: ReturnType<typeof spawn> | undefined;
      try {
        pnpm('install', '--frozen-lockfile', '--prefer-offline');
        pnpm('--filter', '@lethe/consent...', 'build');
        pnpm('--filter', '@lethe/consent', 'deploy', '--prod', '--legacy', path.join(out, 'app'));
        const app = path.join(out, 'app');
        // Production dependencies only, and the workspace packages as compiled output.
        expect(existsSync(path.join(app, 'node_modules', 'typescript'))).toBe(false);
        expect(existsSync(path.join(app, 'node_modules', '@lethe', 'kafka', 'dist', 'index.js'))).toBe(true);
        const port = await freePort();
        const env = {
          PATH: process.env.PATH,
          ...localPrincipalEnv('consent'),
          LETHE_HOME,
          NODE_ENV: 'production',
          LETHE_SERVICE: 'consent',
          LETHE_CONSENT_PORT: String(port),
          LETHE_TLS_CERT_FILE: path.join(LETHE_HOME, 'tls', 'server.crt'),
          LETHE_TLS_KEY_FILE: path.join(LETHE_HOME, 'tls', 'server.key'),
        };
        service = spawn(process.execPath, ['dist/main.js'], { cwd: app, env, stdio: 'ignore' });
        await eventually(
          async () =>
            (await fetchLocal(`https://127.0.0.1:${port}/readyz`).catch(() => undefined))?.ok
              ? true
              : undefined,
          60_000,
          'the compiled consent service to be ready',
        );
        const healthcheck = spawnSync(
          process.execPath,
          [path.join(REPO_DIR, 'deploy', 'docker', 'healthcheck.mjs')],
          {
            env,
            encoding: 'utf8',
          },
        );
        expect(healthcheck.status).toBe(0);
        // docker-compose's healthcheck asks for readiness.
        const ready = spawnSync(
          process.execPath,
          [path.join(REPO_DIR, 'deploy', 'docker', 'healthcheck.mjs'), '/readyz'],
          { env, encoding: 'utf8' },
        );
        expect(ready.status).toBe(0);

        // The `lethe` command as docker-compose's init runs it (an image with SERVICE=cli).
        // Only what consent's build has not compiled already (the CPU is shared with other tests).
        pnpm('--filter', '@lethe/cli...', '--filter', '!@lethe/consent...', 'build');
        pnpm('--filter', '@lethe/cli', 'deploy', '--prod', '--legacy', path.join(out, 'cli'));
        const listed = spawnSync(process.execPath, ['dist/main.js', 'topics', 'list'], {
          cwd: path.join(out, 'cli'),
          env: { PATH: process.env.PATH, LETHE_HOME, NODE_ENV: 'production' },
          encoding: 'utf8',
        });
        expect(listed.stderr).toBe('');
        expect(listed.stdout).toContain('lethe.erasure.events.v1');
      } finally {
        if (service) await killHard(service);
        rmSync(out, { recursive: true, force: true });
      }
    },
    600_000,
  );
});
