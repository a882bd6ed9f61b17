// Run by test/unit/dist-imports.test.ts as `node import-dist.mjs <package>...` with no
// --conditions: plain Node, as an operator's tool runs. It records where every import of a
// workspace package resolves (module.registerHooks), imports each package given, and prints one
// JSON line: per package its resolved entry and export names, and every resolution it saw.
import { registerHooks } from 'node:module';

const resolutions = [];
registerHooks({
  resolve(specifier, context, nextResolve) {
    const result = nextResolve(specifier, context);
    if (result.url.startsWith('file:') && !result.url.includes('/node_modules/')) resolutions.push({ specifier, parent: context.parentURL ?? null, url: result.url });
    else if (specifier.startsWith('@consortium/')) resolutions.push({ specifier, parent: context.parentURL ?? null, url: result.url });
    return result;
  },
});

const packages = {};
for (const name of process.argv.slice(2)) {
  const module = await import(name);
  packages[name] = { url: import.meta.resolve(name), exports: Object.keys(module).sort() };
}
// snarkjs (through @consortium/zkp) may have started its curve's worker threads.
await globalThis.curve_bn128?.terminate?.();
process.stdout.write(`${JSON.stringify({ packages, resolutions })}\n`);
