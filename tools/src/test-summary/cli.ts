// Prints the totals of a `npm run test:all` run: tools/src/test-summary/cli.ts <results-dir> <elapsed-s>.
// Exits 1 when a test failed or nothing ran at all.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatDetails, formatSummary, summarize, type VitestJsonReport } from './summarize.js';

const [resultsDir, elapsed = '0'] = process.argv.slice(2);
if (resultsDir === undefined) throw new Error('usage: test-summary <results-dir> <elapsed-seconds>');

const files = (await readdir(resultsDir)).filter((name) => name.endsWith('.json'));
const reports = await Promise.all(files.map(async (name) => JSON.parse(await readFile(join(resultsDir, name), 'utf8')) as VitestJsonReport));
const rows = summarize(reports);
console.log(formatDetails(reports));
console.log(formatSummary(rows, Number(elapsed)));
if (rows.length === 0 || rows.some((row) => row.failed > 0)) process.exitCode = 1;
