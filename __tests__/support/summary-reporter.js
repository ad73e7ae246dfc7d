const { writeFileSync } = require('node:fs');

// Prints the plain closing line "N passed, N failed[, N skipped]" that CI reads.
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `${results.numPassedTests} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`;
    // tools/test.js (npm test) adds a failed type check to these counts.
    if (process.env.GHES_EMAIL_SUMMARY_FILE)
      writeFileSync(
        process.env.GHES_EMAIL_SUMMARY_FILE,
        JSON.stringify({ passed: results.numPassedTests, failed, skipped }),
      );
    // Jest's own summary goes to stderr after the reporters run; print ours last, on the same stream.
    process.once('exit', () => process.stderr.write(`\n${line}\n`));
  }
}
module.exports = SummaryReporter;
