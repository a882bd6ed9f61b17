import { CommanderError } from 'commander';
import { CeremonyAbortedError, ContributionRejectedError, NotYourTurnError, PlanSignatureError } from '@consortium/ceremony';
import { describe, expect, it } from 'vitest';
import * as errors from '../../src/errors.js';
import { describeFailure } from '../../src/failure.js';
import { Style } from '../../src/output.js';

const plain = new Style(false);

describe('describeFailure', () => {
  it('prints what went wrong and what to do next for a SetupError', () => {
    const failure = describeFailure(new errors.OutputNotEmptyError('/tmp/devnet'), plain, {});
    expect(failure.exitCode).toBe(1);
    expect(failure.text).toBe(
      '✖ /tmp/devnet is not empty\n→ Choose an empty or new folder for --out, or pass --force to replace the devnet files in it (old chain data of those members is removed).\n',
    );
  });

  it('lists every genesis problem on its own line', () => {
    const failure = describeFailure(new errors.InvalidGenesisError(['a.member.json: tadig: bad', '--chain-id: bad']), plain, {});
    expect(failure.text.split('\n')).toEqual([
      '✖ the genesis would be invalid (2 problems):',
      '  - a.member.json: tadig: bad',
      '  - --chain-id: bad',
      '→ Fix each file or option named above and run the command again; nothing was written.',
      '',
    ]);
  });

  it('leaves usage errors and --help to commander, with its exit code', () => {
    expect(describeFailure(new CommanderError(0, 'commander.helpDisplayed', '(outputHelp)'), plain, {})).toEqual({ text: '', exitCode: 0 });
    expect(describeFailure(new CommanderError(1, 'commander.missingMandatoryOptionValue', 'x'), plain, {})).toEqual({ text: '', exitCode: 1 });
  });

  it('gives advice for file-system errors', () => {
    const error = Object.assign(new Error("EACCES: permission denied, open '/etc/x'"), { code: 'EACCES' });
    expect(describeFailure(error, plain, {}).text).toBe("✖ EACCES: permission denied, open '/etc/x'\n→ Check that you may read and write there, or choose another path.\n");
  });

  it('calls anything else a bug, with the stack only under CONSORTIUM_DEBUG', () => {
    const error = new TypeError('x is undefined');
    const quiet = describeFailure(error, plain, {});
    expect(quiet.exitCode).toBe(1);
    expect(quiet.text).toMatch(/^✖ unexpected error: TypeError: x is undefined\n→ This is a bug in consortium-setup: run it again with CONSORTIUM_DEBUG=1/);
    expect(quiet.text).not.toContain(error.stack!.split('\n')[1]!.trim());
    expect(describeFailure(error, plain, { CONSORTIUM_DEBUG: '1' }).text).toContain(error.stack);
    expect(describeFailure('a string', plain, {}).text).toMatch(/unexpected error: a string/);
  });
});

describe('ceremony failures', () => {
  it('tells what --force replaces in a non-empty keys folder', () => {
    const failure = describeFailure(new errors.OutputNotEmptyError('/tmp/keys', 'the files of the earlier ceremony in it (anything else is left alone)'), plain, {});
    expect(failure.text).toBe(
      '✖ /tmp/keys is not empty\n→ Choose an empty or new folder for --out, or pass --force to replace the files of the earlier ceremony in it (anything else is left alone).\n',
    );
  });

  it('names the known circuits for an unknown one', () => {
    const failure = describeFailure(new errors.InvalidCircuitSelectionError('unknown circuit "settlement-8"', ['settlement-4', 'settlement-64'], ['settlement']), plain, {});
    expect(failure.text).toBe(
      '✖ --circuits: unknown circuit "settlement-8"\n→ Give a family (settlement: its production circuits) or a comma-separated list of circuit names: settlement-4, settlement-64.\n',
    );
  });
});

describe("the ceremony's refusals", () => {
  it('each says what to do next, naming the member or command', () => {
    const style = new Style(false);
    const rejected = describeFailure(new ContributionRejectedError('Orange-FR', 'snarkjs refuses it'), style, {});
    expect(rejected.exitCode).toBe(1);
    expect(rejected.text).toContain("Orange-FR's contribution is refused: snarkjs refuses it; the ceremony goes on from the last verified file");
    expect(rejected.text).toContain('Ask Orange-FR to contribute again on the last verified file');
    expect(describeFailure(new NotYourTurnError('x cannot contribute now'), style, {}).text).toContain('consortium-setup ceremony report <dir>');
    expect(describeFailure(new PlanSignatureError('SFR-FR has not signed the plan'), style, {}).text).toContain('consortium-setup ceremony sign-plan');
    expect(describeFailure(new CeremonyAbortedError('aborted'), style, {}).text).toContain('agree on a new plan');
  });
});

describe('error classes', () => {
  it('each sets name to its class name and carries a next step', () => {
    const instances: errors.SetupError[] = [
      new errors.KeyFilesExistError(['k']),
      new errors.OutputFileExistsError('f'),
      new errors.OutputNotEmptyError('d'),
      new errors.OutputPathError('p', 'is a file'),
      new errors.MissingMemberDetailsError('X', ['tadig'], ['T-Mobile-DE']),
      new errors.InvalidMemberEntryError(['--tadig: bad']),
      new errors.InvalidMemberSelectionError('bad', ['T-Mobile-DE']),
      new errors.MemberFileError('f', 'bad'),
      new errors.NoMembersError(''),
      new errors.ParamsFileError('f', 'bad'),
      new errors.KeysFolderError('k/genesis-artifacts.json', 'missing'),
      new errors.DemoKeysForConsortiumError('k', 'demo keys'),
      new errors.UnattestedCeremonyKeysError('k', 't/transcript.json', 'settlement-4.zkey has sha256 a…, but the transcript names b…'),
      new errors.InvalidGenesisTimeError('x'),
      new errors.InvalidGenesisError(['bad']),
      new errors.PortRangeError('bad'),
      new errors.InvalidCircuitSelectionError('unknown circuit "x"', ['settlement-4'], ['settlement']),
      new errors.CeremonyStepError('prepare phase 2', 'bad'),
      new errors.CeremonyInputError('no plan.json in x', 'Run consortium-setup ceremony plan first.'),
      new errors.CeremonyRefusedError('transcript: bad', 'Do not use these keys.'),
      new errors.KeyEpochInputError('x is not a key epoch signature', 'Pass the files consortium-setup key-epoch sign wrote.'),
      new errors.HsmKeyError('no token labelled "consortium"'),
      new errors.KeepKeysError('--keep-keys rewrites an existing devnet', 'Pass --force with it.'),
    ];
    for (const error of instances) {
      expect(error.name).toBe(error.constructor.name);
      expect(error).toBeInstanceOf(errors.SetupError);
      expect(error.nextStep.length).toBeGreaterThan(10);
    }
    const classes = Object.values(errors).filter((value) => typeof value === 'function' && value.prototype instanceof errors.SetupError);
    expect(classes).toHaveLength(instances.length);
  });
});
