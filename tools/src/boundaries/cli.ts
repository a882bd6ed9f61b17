// `npm run check:boundaries`: fails (exit 1) when a package imports against the layering of
// docs/architecture.md, by relative path into another package, or bypasses the telemetry catalogue.
import { resolve } from 'node:path';
import { checkBoundaries } from './check.js';

const workspaceRoot = resolve(import.meta.dirname, '../../..');
const violations = await checkBoundaries(workspaceRoot);
if (violations.length === 0) {
  console.log('boundaries: no violations');
} else {
  for (const v of violations) console.error(`boundaries: ${v.rule}: ${v.from} -> ${v.to}\n  ${v.comment}`);
  console.error(`boundaries: ${violations.length} violation(s); fix the import(s) above.`);
  process.exitCode = 1;
}
