import { describe, expect, it } from 'vitest';
import { runCli, runCliOk } from './support/cli.js';

describe('consortium-setup --help', () => {
  it('lists every command and the order of the steps', async () => {
    const { stdout } = await runCliOk(['--help']);
    for (const command of ['keys', 'genesis', 'devnet']) expect(stdout).toMatch(new RegExp(`^  ${command} \\[options\\] +\\S`, 'm'));
    expect(stdout).toContain('consortium-setup keys --member T-Mobile-DE');
    expect(stdout).toContain('consortium-setup devnet --out');
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
