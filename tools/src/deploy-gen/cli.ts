// `npm run deploy:generate` writes every generated file under deploy/ (alert rules, their
// promtool tests, and whatever else deployGenerators lists); `npm run deploy:check` exits 1 when
// a committed file differs from what the generators would write.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { findDuplicatePaths, staleFiles } from './check.js';
import { deployGenerators } from './generators.js';

const rootDir = resolve(import.meta.dirname, '../../..');

async function main(): Promise<void> {
  const files = deployGenerators.flatMap((generate) => generate());
  const duplicates = findDuplicatePaths(files);
  if (duplicates.length > 0) throw new Error(`two generators write ${duplicates.join(', ')}`);

  if (process.argv.includes('--check')) {
    const stale = await staleFiles(rootDir, files);
    if (stale.length === 0) {
      console.log(`deploy/: ${files.length} generated files are current`);
    } else {
      console.error(`stale generated files: ${stale.join(', ')}; run \`npm run deploy:generate\` and commit the result.`);
      process.exitCode = 1;
    }
    return;
  }
  for (const file of files) {
    await mkdir(dirname(join(rootDir, file.path)), { recursive: true });
    await writeFile(join(rootDir, file.path), file.content);
    console.log(`wrote ${file.path}`);
  }
}

main().catch((error: unknown) => {
  console.error(`deploy-gen: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
