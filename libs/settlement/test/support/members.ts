import { Ed25519Signer, ed25519KeyPairFromSeed } from '@consortium/consensus';
import type { SettlementMember } from '../../src/index.js';

/**
 * Test consortia of 4, 5 and 7 members with deterministic keys. The five founders of DESIGN.md
 * first, then two more operators so nothing assumes five.
 */
export const TEST_OPERATORS = [
  { id: 'T-Mobile-DE', tadig: 'DEUD1' },
  { id: 'Vodafone-UK', tadig: 'GBRVF' },
  { id: 'Orange-FR', tadig: 'FRAF1' },
  { id: 'Telenor-NO', tadig: 'NORTM' },
  { id: 'SFR-FR', tadig: 'FRAF2' },
  { id: 'Swisscom-CH', tadig: 'CHEC1' },
  { id: 'Telia-SE', tadig: 'SWETR' },
] as const;

export const CHAIN_ID = 'settlement-test-chain';

export interface TestMember extends SettlementMember {
  readonly signer: Ed25519Signer;
}

export function testMembers(count: 4 | 5 | 7 = 5): TestMember[] {
  return TEST_OPERATORS.slice(0, count).map((operator, i) => {
    const seed = new Uint8Array(32).fill(i + 1);
    const keyPair = ed25519KeyPairFromSeed(seed);
    return { ...operator, publicKey: keyPair.publicKey, signer: new Ed25519Signer(keyPair) };
  });
}

export function memberMap(members: readonly SettlementMember[]): Map<string, SettlementMember> {
  return new Map(members.map((m) => [m.id, m]));
}
