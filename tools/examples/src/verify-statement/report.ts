import type { Check } from './checks.js';
import type { StatementFacts } from './views.js';

/** The report verify-statement prints: the statement, one line per check (✔ or ✖), a verdict. */

export function statementHeadline(statement: StatementFacts): string {
  return `statement ${statement.id} (${statement.state}): ${statement.creditor} bills ${statement.debtor} for ${statement.period}, batch ${statement.batchId}, proven total ${statement.publicInputs.total} (minor units), key epoch ${statement.epoch}, ${statement.circuit}`;
}

export function checkLine(check: Check): string {
  return `  ${check.passed ? '✔' : '✖'} ${check.name}: ${check.detail}`;
}

export function verdict(checks: readonly Check[]): string {
  const failed = checks.filter((c) => !c.passed).length;
  return failed === 0 ? `all ${checks.length} checks passed` : `${failed} of ${checks.length} checks failed`;
}

/** 0 when every check passed, 1 otherwise (2, for a statement that could not be checked, is the CLI's). */
export function exitCodeOf(checks: readonly Check[]): 0 | 1 {
  return checks.length > 0 && checks.every((c) => c.passed) ? 0 : 1;
}
