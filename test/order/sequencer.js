// Orders the test files longest first, so the long suites start early and no worker is left
// with one at the end. Jest does this only from its own cache of the last run's durations; a
// clean clone has none and falls back to file size, which started the 150 s stack test among the
// last in a CI run, so the run ended with it alone. Here a file jest has no duration for takes the one
// recorded in suite-durations.json (seconds, from a full run; refresh it with
// `node test/order/write-suite-durations.js RESULTS.json` after `pnpm test --json --outputFile=RESULTS.json`).
const path = require('node:path');
const TestSequencer = require('@jest/test-sequencer').default;

const recorded = require('./suite-durations.json');
const ROOT = path.resolve(__dirname, '..', '..');

class RecordedDurationsSequencer extends TestSequencer {
  time(test) {
    const measured = super.time(test);
    if (measured != null) return measured;
    const seconds = recorded[path.relative(ROOT, test.path).split(path.sep).join('/')];
    // A file new since the last recording: assumed short (jest would run it first).
    return (seconds ?? 1) * 1000;
  }
}

module.exports = RecordedDurationsSequencer;
