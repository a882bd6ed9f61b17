import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ed25519KeyPairFromSeed, Ed25519Signer, toHex } from '@consortium/consensus';
import { PLAN_FORMAT, signPlan, type CeremonyPlan, type PlanSignature } from '../../src/index.js';

/**
 * The ceremony tests' members and plan: the first n of the founding five and two more (4, 5
 * and 7 members), deterministic ed25519 identity keys, and the small test circuit (tiny.circom:
 * a 2^5 domain, powers of tau 2^8), so a whole ceremony takes seconds.
 */

export const MEMBER_IDS = ['T-Mobile-DE', 'Vodafone-UK', 'Orange-FR', 'Telenor-NO', 'SFR-FR', 'Swisscom-CH', 'KPN-NL'] as const;

export const TINY_R1CS = fileURLToPath(new URL('../fixtures/tiny.r1cs', import.meta.url));
export const TINY_WASM = fileURLToPath(new URL('../fixtures/tiny.wasm', import.meta.url));
export const TINY_CONSTRAINTS = 16;
export const TINY_POWER = 6;
export const BEACON = 'a1'.repeat(32);

export interface TestMembers {
  readonly ids: readonly string[];
  readonly signers: ReadonlyMap<string, Ed25519Signer>;
  readonly publicKeys: ReadonlyMap<string, string>;
}

export function testMembers(count: number): TestMembers {
  const ids = MEMBER_IDS.slice(0, count);
  const signers = new Map<string, Ed25519Signer>();
  const publicKeys = new Map<string, string>();
  ids.forEach((id, i) => {
    const pair = ed25519KeyPairFromSeed(new Uint8Array(32).fill(i + 1));
    signers.set(id, new Ed25519Signer(pair));
    publicKeys.set(id, toHex(pair.publicKey));
  });
  return { ids, signers, publicKeys };
}

export function tinyPlan(members: TestMembers, overrides: Partial<CeremonyPlan> = {}): CeremonyPlan {
  return {
    format: PLAN_FORMAT,
    ceremonyId: `test/tiny-${members.ids.length}`,
    chainId: 'sp-consortium-test',
    members: members.ids.map((id) => ({ id, publicKey: members.publicKeys.get(id)! })),
    coordinator: members.ids[0]!,
    phase1: { source: 'ceremony', power: TINY_POWER },
    circuits: [{ name: 'tiny', r1csSha256: createHash('sha256').update(readFileSync(TINY_R1CS)).digest('hex') }],
    contributionTimeLimitMs: 60_000,
    onMissingContribution: 'skip',
    beacon: { source: 'a fixed test value', iterationsExp: 10 },
    createdAt: '2026-11-29T00:00:00.000Z',
    ...overrides,
  };
}

export function signedByAll(plan: CeremonyPlan, members: TestMembers): PlanSignature[] {
  return members.ids.map((id) => signPlan(plan, id, members.signers.get(id)!));
}
