#!/usr/bin/env node
// `npx consortium-verify-statement`: the built tool on plain Node, over the libraries' dist/ (as a
// tool outside this repository runs). In a clone, `npm run build` first, or run it from the
// sources with `npm run verify-statement -w @consortium/examples -- <options>`.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/verify-statement/cli.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('verify-statement is not built: run `npm run build`, or from the sources `npm run verify-statement -w @consortium/examples -- <options>`');
  process.exit(2);
}
await import(cli.href);
