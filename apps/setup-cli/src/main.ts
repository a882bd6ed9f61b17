#!/usr/bin/env node
// consortium-setup: a consortium's setup, step by step: each member makes its keys, one member
// assembles the genesis, the trusted-setup ceremony makes the circuits' keys (the multi-party
// ceremony, file-based, and its verification; or the insecure single-party `ceremony demo` for a
// devnet). `devnet` does the keys and genesis at once for a local test network.
import { describeFailure } from './failure.js';
import { Style, isDecorated, terminalOf } from './output.js';
import { buildProgram } from './program.js';
import { dropFileHandleGcWarnings } from './warnings.js';

async function main(): Promise<void> {
  dropFileHandleGcWarnings();
  // `consortium-setup devnet | head` closes stdout early: that is the reader's choice, not a failure.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  const program = buildProgram(terminalOf(process.stdout, process.stderr, process.env));
  await program.parseAsync(process.argv);
}

main().catch((error: unknown) => {
  const failure = describeFailure(error, new Style(isDecorated(process.stderr, process.env)), process.env);
  process.stderr.write(failure.text);
  process.exitCode = failure.exitCode;
});
