import { assertContributedKey, SetupStepError } from '@consortium/zkp';
import { describe, expect, it } from 'vitest';
import { asCeremonyStepError, demoStepTitle, followingLogger } from '../../src/demo-ceremony.js';
import { CeremonyStepError } from '../../src/errors.js';

describe('the snarkjs logger', () => {
  it('has every method snarkjs calls, and keeps the errors apart', () => {
    const lines: string[] = [];
    const problems: string[] = [];
    const logger = followingLogger((line) => lines.push(line), problems);
    logger.debug('tauG2: fft 13 mix end: 1/2');
    logger.info('Reading r1cs');
    logger.log('tauG1: 100000'); // newAccumulator, from 2^16 on
    logger.warn('a warning');
    logger.error('Circuit too big for this power of tau ceremony. 44000*2 > 2**15');
    expect(lines).toEqual(['tauG2: fft 13 mix end: 1/2', 'Reading r1cs', 'tauG1: 100000', 'a warning', 'Circuit too big for this power of tau ceremony. 44000*2 > 2**15']);
    expect(problems).toEqual(['Circuit too big for this power of tau ceremony. 44000*2 > 2**15']);
  });
});

describe('a failed step', () => {
  const g2 = (digit: string) => [[digit, digit], [digit, digit], ['1', '0']];
  const vkey = (gamma: string, delta: string) => ({
    protocol: 'groth16' as const,
    curve: 'bn128' as const,
    nPublic: 0,
    vk_alpha_1: ['1', '2', '1'],
    vk_beta_2: g2('3'),
    vk_gamma_2: g2(gamma),
    vk_delta_2: g2(delta),
    IC: [['1', '2', '1']],
  });

  /** What the demo's zkey-beacon step does with the exported key (runSinglePartySetup), then the CLI with its error. */
  const checkContributed = (key: unknown, title: string) => {
    try {
      assertContributedKey(key, 'the exported verification key');
    } catch (error) {
      throw asCeremonyStepError(title, error);
    }
  };

  it('accepts a verification key whose phase 2 had a contribution', () => {
    expect(() => checkContributed(vkey('4', '5'), 'settlement-4: beacon and verification key')).not.toThrow();
  });

  it("names the step snarkjs failed in, with what it said, and what to do next", () => {
    const error = asCeremonyStepError('settlement-4: new proving key', new SetupStepError('new proving key', 'Powers of tau is not prepared.'));
    expect(error).toBeInstanceOf(CeremonyStepError);
    expect((error as CeremonyStepError).message).toBe('settlement-4: new proving key: Powers of tau is not prepared.');
    expect((error as CeremonyStepError).nextStep).toMatch(/^Nothing was written to --out/);
  });

  it('leaves anything else as it is (a full disk keeps its errno for the advice)', () => {
    const full = Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    expect(asCeremonyStepError('x', full)).toBe(full);
  });

  it('refuses one whose vk_gamma_2 equals vk_delta_2, naming the step', () => {
    expect(() => checkContributed(vkey('4', '4'), 'settlement-4: beacon and verification key')).toThrow(CeremonyStepError);
    expect(() => checkContributed(vkey('4', '4'), 'settlement-4: beacon and verification key')).toThrow(
      /^settlement-4: beacon and verification key: the exported verification key: vk_gamma_2 equals vk_delta_2/,
    );
  });

  it('decides with the one phase-2 check of @consortium/zkp: a key the verifier could not use is refused too', () => {
    expect(() => checkContributed({ ...vkey('4', '5'), nPublic: 7 }, 'settlement-4: beacon and verification key')).toThrow(/IC must hold nPublic \+ 1 = 8 points/);
  });
});

describe('the step titles', () => {
  it('name the power, the circuit and the domains prepared', () => {
    expect(demoStepTitle({ kind: 'ptau-contribute', power: 12 })).toBe('powers of tau: contribution (2^12)');
    expect(demoStepTitle({ kind: 'prepare-phase2', power: 14, domains: { tauG1: [12, 13, 14, 15], tauG2: [12, 14], alphaTauG1: [12, 14], betaTauG1: [12, 14] } })).toBe(
      "prepare phase 2 for the circuits' domains (2^12, 2^14)",
    );
    expect(demoStepTitle({ kind: 'zkey-beacon', circuit: 'settlement-61', power: 12 })).toBe('settlement-61: beacon and verification key');
  });
});
