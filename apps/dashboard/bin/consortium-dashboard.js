#!/usr/bin/env node
// `npx consortium-dashboard`: in a clone of the repository (sources present) runs
// src/server/main.ts through tsx with the `@consortium/source` export condition, so no build step
// is needed; in a built package runs dist/server/main.js. Same hook as bin/consortium-node.js.
import { existsSync } from 'node:fs';
import { registerHooks } from 'node:module';

const source = new URL('../src/server/main.ts', import.meta.url);
if (existsSync(source)) {
  // In-thread hooks (registerHooks): the export condition, as `--conditions=@consortium/source` would add it.
  registerHooks({ resolve: (specifier, context, next) => next(specifier, { ...context, conditions: [...context.conditions, '@consortium/source'] }) });
  (await import('tsx/esm/api')).register();
  await import(source.href);
} else {
  await import(new URL('../dist/server/main.js', import.meta.url).href);
}
