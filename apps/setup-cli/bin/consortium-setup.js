#!/usr/bin/env node
// `npx consortium-setup`: in a clone of the repository (sources present) runs src/main.ts through
// tsx with the `@consortium/source` export condition, so no build step is needed; in a built
// package runs dist/main.js.
import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';

const source = new URL('../src/main.ts', import.meta.url);
if (existsSync(source)) {
  // The export condition, as `--conditions=@consortium/source` would add it. In-thread hooks
  // (registerHooks), as tsx itself uses on this Node: an off-thread hook (module.register) sends
  // every import of the process through a worker, which cost 1.6 s of CPU per start.
  registerHooks({ resolve: (specifier, context, next) => next(specifier, { ...context, conditions: [...context.conditions, '@consortium/source'] }) });
  (await import('tsx/esm/api')).register();
  await import(source.href);
} else {
  await import(new URL('../dist/main.js', import.meta.url).href);
}
