import { describe, expect, it } from 'vitest';
import { runCli, runNpx } from './support/cli.js';

// The help texts themselves are read in process (test/unit/help.test.ts); a process shows the
// exit codes and stderr of a usage error, and that the bins users are told about run.
describe('consortium-setup usage errors', () => {
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
