// `npm run audit -- export <since> [file]`: the audit events of every run, gateway call, approval, standing approval and
// token started since then (`7d`, or an ISO date), as hash-chained JSON lines (src/approval/audit-chain.ts), to the file
// or standard output; the last line's hash goes to standard error, to be kept elsewhere.
// `npm run audit -- verify <file> [--last <hash>]`: checks a chain; every break is printed with its line, exit 1.
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { chainAudit, verifyAudit } from './approval/audit-chain.js';
import { ConfigError, loadConfig } from './config.js';
import { parseSince } from './duration.js';
import { connectToRecords, RecordReadError, readAuditEntries } from './temporal/recorded.js';

const USAGE =
  'usage: npm run audit -- export <since: 7d or an ISO date> [file] | verify <file> [--last <hash>]';

const { values: flags, positionals } = parseArgs({
  allowPositionals: true,
  options: { last: { type: 'string' } },
});
const [command, argument, output] = positionals;

if (command === 'export' && argument) {
  const sinceMs = parseSince(argument, Date.now());
  if (sinceMs === undefined) fail(`${USAGE}; not a duration or date: ${argument}`);
  try {
    const { temporal } = loadConfig();
    const records = await connectToRecords(temporal);
    const entries = await readAuditEntries(records.client, {
      sinceMs,
      taskQueue: temporal.taskQueue,
    }).finally(() => records.close());
    const { lines, last } = chainAudit(entries);
    const text = lines.map((line) => `${line}\n`).join('');
    if (output) writeFileSync(output, text);
    else process.stdout.write(text);
    console.error(
      `${lines.length} audit events exported; last hash ${last} (keep it elsewhere: verify --last checks it)`,
    );
  } catch (error) {
    if (!(error instanceof ConfigError) && !(error instanceof RecordReadError)) throw error;
    fail(error.message);
  }
} else if (command === 'verify' && argument) {
  let text: string;
  try {
    text = readFileSync(argument, 'utf8');
  } catch (error) {
    fail(`cannot read ${argument}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const result = verifyAudit(text, flags.last);
  for (const problem of result.problems) console.log(`${argument}:${problem.line}: ${problem.message}`);
  if (result.problems.length > 0) fail(`the chain is broken in ${result.problems.length} place(s)`);
  console.log(`${argument}: ${result.lines} lines, the chain holds; last hash ${result.last}`);
} else {
  fail(USAGE);
}

function fail(message: string): never {
  console.error(`countersign: ${message}`);
  process.exit(1);
}
