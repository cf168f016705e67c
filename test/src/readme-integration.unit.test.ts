import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';

// The README's "Integrate a service" shows code; this keeps it the code the e2e tests run.
const REPO_DIR = path.resolve(__dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(REPO_DIR, file), 'utf8');

/** Lines without their indentation: prettier dedents a block lifted out of a function. */
const normalised = (code: string) =>
  code
    .split('\n')
    .map((line) => line.trim())
    .join('\n');

function integrateSection(readme: string): string {
  const start = readme.indexOf('## Integrate a service');
  const end = readme.indexOf('\n## ', start + 1);
  if (start < 0 || end < 0) throw new Error('the README has no "Integrate a service" section');
  return readme.slice(start, end);
}

describe('the README\'s "Integrate a service" section', () => {
  const tested = [
    'examples/typescript/notes-service.mjs',
    ...readdirSync(path.join(REPO_DIR, 'examples', 'python'))
      .filter((file) => file.endsWith('.py'))
      .map((file) => `examples/python/${file}`),
    'test/src/https-participant.e2e.test.ts',
  ].map((file) => normalised(read(file)));
  const blocks = [...integrateSection(read('README.md')).matchAll(/```(js|ts|python)\n([\s\S]*?)```/g)].map(
    ([, language, code]) => ({ language: language!, code: code!.trimEnd() }),
  );

  it('shows TypeScript, Python and HTTPS code', () => {
    expect(new Set(blocks.map((block) => block.language))).toEqual(new Set(['js', 'ts', 'python']));
    expect(blocks.length).toBeGreaterThanOrEqual(6);
  });

  it.each(blocks.map((block, index) => [index, block.code.split('\n')[0], block] as const))(
    'block %i (%s) is code a test runs',
    (_index, _first, block) => {
      expect(tested.some((source) => source.includes(normalised(block.code)))).toBe(true);
    },
  );
});
