// The consortium-setup command line (commander): its commands, their options and help texts.
// main.ts runs it on the process's arguments; the help tests read it in process.
import { Command } from 'commander';
import { addCeremonyCommand } from './commands/ceremony.js';
import { addDevnetCommand } from './commands/devnet.js';
import { addGenesisCommand } from './commands/genesis.js';
import { addKeyEpochCommand } from './commands/key-epoch.js';
import { addKeysCommand } from './commands/keys.js';
import { addSealKeysCommand } from './commands/seal-keys.js';
import type { Terminal } from './output.js';

/** The whole command line; commands write through `terminal`. */
export function buildProgram(terminal: Terminal): Command {
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
        '  3. the trusted setup, every member contributing: consortium-setup ceremony plan | sign-plan | start | step | finish | attest\n' +
        '     (consortium-setup ceremony --help: the order, and the air-gapped contribute/accept); anyone: consortium-setup ceremony verify <dir>\n' +
        "  4. later, a new ceremony's keys as the next key epoch: consortium-setup key-epoch sign (every member) | assemble\n" +
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
  addKeyEpochCommand(program, terminal);
  addSealKeysCommand(program, terminal);
  // Subcommands made by .command() inherit exitOverride and the help-after-error text.
  return program;
}
