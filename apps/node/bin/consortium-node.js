#!/usr/bin/env node
// `npx consortium-node`: in a clone of the repository (sources present) runs src/main.ts through
// tsx with the `@consortium/source` export condition, so no build step is needed; in a built
// package runs dist/main.js.
import { existsSync } from 'node:fs';
import { register } from 'node:module';

/** A resolve hook adding the export condition, as `--conditions=@consortium/source` would. */
const SOURCE_CONDITION_HOOK = `export function resolve(specifier, context, next) {
  return next(specifier, { ...context, conditions: [...context.conditions, '@consortium/source'] });
}`;

const source = new URL('../src/main.ts', import.meta.url);
if (existsSync(source)) {
  register(`data:text/javascript,${encodeURIComponent(SOURCE_CONDITION_HOOK)}`);
  (await import('tsx/esm/api')).register();
  await import(source.href);
} else {
  await import(new URL('../dist/main.js', import.meta.url).href);
}
