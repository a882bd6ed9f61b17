#!/usr/bin/env node
// consortium-setup: a consortium's setup, step by step: each member makes its keys, one member
// assembles the genesis, the trusted-setup ceremony makes the circuits' keys (for now the
// insecure single-party `ceremony demo`; the multi-party ceremony and transcript verification
// come later). `devnet` does the keys and genesis at once for a local test network.
import { Command } from 'commander';
import { addCeremonyCommand } from './commands/ceremony.js';
import { addDevnetCommand } from './commands/devnet.js';
import { addGenesisCommand } from './commands/genesis.js';
import { addKeysCommand } from './commands/keys.js';
import { describeFailure } from './failure.js';
import { Style, isDecorated, terminalOf, type Terminal } from './output.js';

function buildProgram(terminal: Terminal): Command {
  const program = new Command('consortium-setup')
    .description("Set up an SP Consortium Chain: member keys, the genesis every node starts from, and the circuits' proving and verification keys.")
    .showHelpAfterError('(run with --help for usage and examples)')
    // Errors go to the one catch below instead of process.exit inside commander.
    .exitOverride()
    .addHelpText(
      'after',
      '\nA consortium is set up in steps:\n' +
        '  1. each member, on its own machine:  consortium-setup keys --member T-Mobile-DE --out ./keys > T-Mobile-DE.member.json\n' +
        '  2. one member, with every entry:     consortium-setup genesis --chain-id sp-consortium --members-dir ./members --out genesis.json\n' +
        '  (the multi-party trusted-setup ceremony and transcript verification come with a later issue)\n' +
        '\nA local test network in one step:\n' +
        '  consortium-setup devnet --out ./devnet --members 5\n' +
        "\nThe circuits' keys for a devnet or tests, INSECURE (one process knows the toxic waste):\n" +
        '  consortium-setup ceremony demo --circuits settlement --out ./keys\n' +
        '  minutes for settlement-344 (2^14), much longer with settlement-1433 (2^16, up to an hour): see ceremony demo --help\n' +
        '\nRun consortium-setup <command> --help for its options and examples.\n',
    );
  addKeysCommand(program, terminal);
  addCeremonyCommand(program, terminal);
  addGenesisCommand(program, terminal);
  addDevnetCommand(program, terminal);
  // Subcommands made by .command() inherit exitOverride and the help-after-error text.
  return program;
}

async function main(): Promise<void> {
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
