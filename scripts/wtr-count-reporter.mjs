// A @web/test-runner reporter that writes { passed, failed, skipped } to $GC_TEST_COUNTS so the
// root test script can sum every package's results into one closing line.
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

function countSuite(suite, counts) {
  for (const test of suite?.tests ?? []) {
    if (test.skipped) counts.skipped++;
    else if (test.passed) counts.passed++;
    else counts.failed++;
  }
  for (const child of suite?.suites ?? []) countSuite(child, counts);
}

export function countReporter() {
  return {
    onTestRunFinished({ sessions }) {
      const counts = { passed: 0, failed: 0, skipped: 0 };
      for (const session of sessions) {
        countSuite(session.testResults, counts);
        // A file that failed to load or threw outside a test counts as one failure, not zero tests.
        if (!session.passed && (session.errors?.length ?? 0) > 0) counts.failed++;
      }
      const file = process.env.GC_TEST_COUNTS;
      if (file) {
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, JSON.stringify(counts));
      }
    },
  };
}
