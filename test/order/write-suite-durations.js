// Writes suite-durations.json from a jest JSON report (`pnpm test --json --outputFile=FILE`):
// each test file's wall time in whole seconds, longest first. See sequencer.js.
const { readFileSync, writeFileSync } = require('node:fs');
const path = require('node:path');

const report = process.argv[2];
if (!report) {
  console.error('usage: node test/order/write-suite-durations.js JEST-REPORT.json');
  process.exit(2);
}
const ROOT = path.resolve(__dirname, '..', '..');
const { testResults } = JSON.parse(readFileSync(report, 'utf8'));
const durations = testResults
  .map((suite) => [
    path.relative(ROOT, suite.name).split(path.sep).join('/'),
    Math.max(1, Math.round((suite.endTime - suite.startTime) / 1000)),
  ])
  .sort(([fileA, a], [fileB, b]) => b - a || fileA.localeCompare(fileB));
writeFileSync(
  path.join(__dirname, 'suite-durations.json'),
  `${JSON.stringify(Object.fromEntries(durations), null, 2)}\n`,
);
console.log(`wrote ${durations.length} suites' durations to test/order/suite-durations.json`);
