// Prints the plain "N passed, N failed" line CI reads, from vitest's JSON report.
// Skipped tests are counted apart and listed by name: they never count as passed.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'test-results.json';
let report;
try {
  report = JSON.parse(readFileSync(file, 'utf8'));
} catch (error) {
  console.log(`0 passed, 1 failed (no test report: ${error.message})`);
  process.exit(1);
}
const skipped = [];
for (const suite of report.testResults ?? []) {
  for (const test of suite.assertionResults ?? []) {
    if (test.status === 'skipped' || test.status === 'pending' || test.status === 'todo') {
      skipped.push(`${suite.name.replace(process.cwd() + '/', '')} > ${test.fullName}`);
    }
  }
}
// A suite whose setup (beforeAll, import) failed has no failed test, only skipped ones: it counts as one
// failure, or a fleet that never started would read as "0 failed".
const failedSuites = (report.testResults ?? []).filter(
  (s) => s.status === 'failed' && !(s.assertionResults ?? []).some((test) => test.status === 'failed'),
);
for (const suite of failedSuites) {
  console.log(`failed: ${suite.name.replace(process.cwd() + '/', '')} (${(suite.message ?? '').split('\n')[0]})`);
}
for (const name of skipped) console.log(`skipped: ${name}`);
const failed = report.numFailedTests + failedSuites.length;
console.log(`${report.numPassedTests} passed, ${failed} failed, ${skipped.length} skipped`);
process.exit(failed > 0 ? 1 : 0);
