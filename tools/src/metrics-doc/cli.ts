// `npm run docs:metrics` writes docs/metrics.md from the telemetry catalogue;
// `npm run docs:metrics:check` exits 1 when the committed file differs from what it would write.
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { listCataloguedMetrics, listCataloguedSpans } from '@consortium/telemetry';
import { renderMetricsDoc } from './render.js';

const docPath = resolve(import.meta.dirname, '../../../docs/metrics.md');
const expected = renderMetricsDoc(listCataloguedMetrics(), listCataloguedSpans());

if (process.argv.includes('--check')) {
  const actual = await readFile(docPath, 'utf8').catch(() => '');
  if (actual === expected) {
    console.log('docs/metrics.md is current');
  } else {
    console.error('docs/metrics.md is stale: run `npm run docs:metrics` and commit the result.');
    process.exitCode = 1;
  }
} else {
  await writeFile(docPath, expected);
  console.log(`wrote docs/metrics.md (${listCataloguedMetrics().length} metrics)`);
}
