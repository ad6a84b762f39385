// What `npm run doctor` prints: a line per check, how to fix each problem under it, and a verdict.
import type { CheckResult } from './checks.js';

const MARK: Record<CheckResult['status'], string> = { ok: '✓', warn: '!', fail: '✗', skip: '-' };

/** One line per check, a Fix line under each problem (its further lines aligned under it), and a verdict. */
export function report(results: CheckResult[]): string {
  const width = Math.max(...results.map((r) => r.name.length));
  const indent = ' '.repeat(2 + width + 2);
  const lines = results.flatMap((r) => [
    `${MARK[r.status]} ${r.name.padEnd(width)}  ${r.found}`,
    ...(r.fix
      ? r.fix.split('\n').map((line, i) => (i === 0 ? `${indent}Fix: ${line}` : `${indent}     ${line}`))
      : []),
  ]);
  const failed = results.filter((r) => r.status === 'fail').length;
  lines.push('', failed === 0 ? 'All checks passed.' : `${failed} problem${failed === 1 ? '' : 's'} found.`);
  return lines.join('\n');
}
