import { spawnSync } from 'node:child_process';
import path from 'node:path';

// The shipped alert rules (deploy/observability/alerts.yml) are valid and fire when they should:
// promtool, from Debian's prometheus package (`./lethe test` installs it), runs their unit tests.

const DIR = path.resolve(__dirname, '..', '..', 'deploy', 'observability');
const promtool = (...args: string[]) => spawnSync('promtool', args, { cwd: DIR, encoding: 'utf8' });

describe('the alert rules', () => {
  it('pass promtool check rules', () => {
    const checked = promtool('check', 'rules', 'alerts.yml');
    expect(`${checked.stdout}${checked.stderr}`).toContain('SUCCESS: 11 rules found');
    expect(checked.status).toBe(0);
  });

  it('fire as their unit tests say (promtool test rules)', () => {
    const tested = promtool('test', 'rules', 'alerts.test.yml');
    expect(`${tested.stdout}${tested.stderr}`).toContain('SUCCESS');
    expect(tested.status).toBe(0);
  });
});
