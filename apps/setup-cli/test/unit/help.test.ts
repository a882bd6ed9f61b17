import { CommanderError, type Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { terminalOf } from '../../src/output.js';
import { buildProgram } from '../../src/program.js';

/**
 * The help texts of consortium-setup, read from the real command line in process (the e2e help
 * test runs the CLI as a process for what only a process shows: exit codes and `npx`). Plain
 * output, 80 columns, as in a pipe.
 */

const sink = { write: () => true, isTTY: false, columns: 80 };

/** What `consortium-setup <args> --help` prints. */
async function helpOf(...args: string[]): Promise<string> {
  const program = buildProgram(terminalOf(sink, sink, { NO_COLOR: '1' }));
  let text = '';
  const capture = (command: Command): void => {
    command.configureOutput({ writeOut: (chunk) => (text += chunk), writeErr: (chunk) => (text += chunk), getOutHelpWidth: () => 80, getErrHelpWidth: () => 80 });
    command.commands.forEach(capture);
  };
  capture(program);
  const shown = await program.parseAsync(['node', 'consortium-setup', ...args, '--help']).then(
    () => null,
    (error: unknown) => error,
  );
  expect(shown).toBeInstanceOf(CommanderError);
  expect((shown as CommanderError).code).toBe('commander.helpDisplayed');
  return text;
}

describe('consortium-setup --help', () => {
  it('lists every command and the order of the steps', async () => {
    const stdout = await helpOf();
    for (const command of ['keys', 'genesis', 'devnet']) expect(stdout).toMatch(new RegExp(`^  ${command} \\[options\\] +\\S`, 'm'));
    expect(stdout).toContain('consortium-setup keys --member T-Mobile-DE');
    expect(stdout).toContain('consortium-setup devnet --out');
    expect(stdout).toMatch(/^ {2}ceremony +the trusted setup/m);
    expect(stdout).toContain('consortium-setup ceremony demo --circuits settlement --out');
    expect(stdout).toContain('INSECURE');
    expect(stdout).toMatch(/settlement-1433 \(2\^16/);
  });

  it('lists the ceremony subcommands, leaving room for the multi-party ceremony', async () => {
    const stdout = await helpOf('ceremony');
    expect(stdout).toMatch(/^ {2}demo \[options\] +INSECURE single-party setup/m);
    expect(stdout).toContain('multi-party ceremony');
  });

  it('explains ceremony demo: its options, the time it takes and that it is insecure', async () => {
    const stdout = await helpOf('ceremony', 'demo');
    for (const option of ['--circuits', '--out', '--epoch', '--force']) expect(stdout).toMatch(new RegExp(`^  ${option} .*\\S`, 'm'));
    expect(stdout).toContain('toxic waste');
    expect(stdout).toMatch(/settlement-4 +2\^11 +about 1 to 2 minutes/);
    expect(stdout).toMatch(/settlement-61 +2\^12/);
    expect(stdout).toMatch(/settlement-344 +2\^14/);
    expect(stdout).toMatch(/settlement +2\^16 +settlement-61, -344 and -1433: much longer/);
    expect(stdout).toMatch(/Examples:\n {2}consortium-setup ceremony demo /);
  });

  it.each([
    ['keys', ['--member', '--out', '--operator', '--tadig', '--voting-power', '--force']],
    ['genesis', ['--chain-id', '--member-file', '--members-dir', '--out', '--genesis-time', '--params', '--force']],
    ['devnet', ['--out', '--members', '--base-port', '--chain-id', '--force']],
  ])('explains %s: every option and an example', async (command, options) => {
    const stdout = await helpOf(command);
    for (const option of options) expect(stdout).toMatch(new RegExp(`^  ${option} .*\\S`, 'm'));
    expect(stdout).toMatch(new RegExp(`Examples:\\n  consortium-setup ${command} `));
  });
});
