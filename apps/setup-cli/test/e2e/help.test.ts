import { describe, expect, it } from 'vitest';
import { runCli, runCliOk, runNpx } from './support/cli.js';

describe('consortium-setup --help', () => {
  it('lists every command and the order of the steps', async () => {
    const { stdout } = await runCliOk(['--help']);
    for (const command of ['keys', 'genesis', 'devnet']) expect(stdout).toMatch(new RegExp(`^  ${command} \\[options\\] +\\S`, 'm'));
    expect(stdout).toContain('consortium-setup keys --member T-Mobile-DE');
    expect(stdout).toContain('consortium-setup devnet --out');
    expect(stdout).toMatch(/^ {2}ceremony +the trusted setup/m);
    expect(stdout).toContain('consortium-setup ceremony demo --circuits settlement --out');
    expect(stdout).toContain('INSECURE');
    expect(stdout).toMatch(/settlement-1433 \(2\^16/);
  });

  it('lists the ceremony subcommands, leaving room for the multi-party ceremony', async () => {
    const { stdout } = await runCliOk(['ceremony', '--help']);
    expect(stdout).toMatch(/^ {2}demo \[options\] +INSECURE single-party setup/m);
    expect(stdout).toContain('multi-party ceremony');
  });

  it('explains ceremony demo: its options, the time it takes and that it is insecure', async () => {
    const { stdout } = await runCliOk(['ceremony', 'demo', '--help']);
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
    const { stdout } = await runCliOk([command, '--help']);
    for (const option of options) expect(stdout).toMatch(new RegExp(`^  ${option} .*\\S`, 'm'));
    expect(stdout).toMatch(new RegExp(`Examples:\\n  consortium-setup ${command} `));
  });

  it('answers an unknown command or a missing option with a usage error', async () => {
    const unknown = await runCli(['keyz']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("unknown command 'keyz'");
    const missing = await runCli(['keys', '--out', '/tmp/x']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("required option '--member <id>' not specified");
    expect(missing.stderr).toContain('--help');
  });
});

describe('the commands users are told about', () => {
  // `npx consortium-setup` and `npx consortium-node` from a clone after `npm ci`, no build step:
  // the root links both bins, whose launchers run the TypeScript sources.
  it.each([
    ['consortium-setup', /^Usage: consortium-setup \[options\] \[command\]/m],
    ['consortium-node', /^Usage: consortium-node \[options\]/m],
  ])('npx %s --help works without a build', async (bin, usage) => {
    const { stdout } = await runNpx([bin, '--help']);
    expect(stdout).toMatch(usage);
  });
});
