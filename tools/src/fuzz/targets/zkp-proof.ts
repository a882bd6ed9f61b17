import {
  Groth16Verifier,
  ProofVerificationError,
  UncontributedVerificationKeyError,
  VerificationKeyError,
  VerificationKeys,
  type SettlementProof,
  type VerificationKey,
  type VerificationResult,
} from '@consortium/zkp';
import { setupTelemetry } from '@consortium/telemetry';
import fc from 'fast-check';
import { hostileJson } from '../arbitraries/hostile.js';
import { counterByLabel, SILENT_LOG } from '../fixtures/settlement-app.js';
import { G1_NEG_GEN, G2_NOT_IN_SUBGROUP, SYNTHETIC_CIRCUIT, SYNTHETIC_EPOCH, syntheticKey, syntheticProof } from '../fixtures/zkp-synthetic.js';
import { decodeWith, expectThat, FuzzPropertyError, VALID, type FuzzInput, type FuzzTarget, type Verdict } from '../target.js';

/**
 * Groth16 verification (libs/zkp verifier) of proofs as peers send them inside statements: a
 * real Groth16Verifier with its key registry and security counter. verify never rejects: a proof
 * is valid, or its result names a ProofVerificationError class (format, coordinate, point not on
 * the curve or not in the subgroup, signals, invalid pairing); a fault of the proof's is counted
 * in consortium_security_invalid_messages_total (invalid_proof, malformed). A batch of the same
 * proofs gives each the result it gets alone. Verification keys (what a key epoch carries on
 * chain) are registered or refused with VerificationKeyError.
 */

type ZkpInput = { readonly kind: 'proofs'; readonly proofs: readonly unknown[] } | { readonly kind: 'key'; readonly key: unknown };

const INVALID_MESSAGES = 'consortium_security_invalid_messages_total';

function outcomeOf(result: VerificationResult): string {
  if (result.outcome === 'valid') return 'valid';
  expectThat(result.error instanceof ProofVerificationError, `a result names ${String(result.error)}, not a ProofVerificationError`);
  return result.error.name;
}

async function checkProofs(verifier: Groth16Verifier, counted: () => Promise<Map<string, number>>, proofs: readonly unknown[]): Promise<Verdict> {
  const before = await counted();
  const singles: VerificationResult[] = [];
  try {
    for (const proof of proofs) singles.push(await verifier.verify(proof as SettlementProof));
  } catch (error) {
    throw new FuzzPropertyError(`verify rejected (${String(error)}): a bad proof is a result`, { cause: error });
  }
  const after = await counted();
  const faults = singles.filter((r) => r.outcome !== 'valid' && r.error.peerFault).length;
  const moved = (after.get('invalid_proof') ?? 0) + (after.get('malformed') ?? 0) - (before.get('invalid_proof') ?? 0) - (before.get('malformed') ?? 0);
  expectThat(moved === faults, `${faults} proof fault(s) moved ${INVALID_MESSAGES} by ${moved}`);
  if (proofs.length > 1) {
    const batch = await verifier.verifyBatch(proofs as SettlementProof[]).catch((error: unknown) => {
      throw new FuzzPropertyError(`verifyBatch rejected (${String(error)})`, { cause: error });
    });
    const alone = singles.map(outcomeOf).join(', ');
    expectThat(batch.results.map(outcomeOf).join(', ') === alone, `a batch's results (${batch.results.map(outcomeOf).join(', ')}) differ from each proof's alone (${alone})`);
  }
  const refused = singles.map(outcomeOf).filter((outcome) => outcome !== 'valid');
  return refused.length === 0 ? VALID : { outcome: 'refused', refusal: refused[0]! };
}

function checkKey(key: unknown): Verdict {
  return decodeWith(() => new VerificationKeys().add(SYNTHETIC_EPOCH, SYNTHETIC_CIRCUIT, key as VerificationKey), [VerificationKeyError, UncontributedVerificationKeyError], 'VerificationKeys.add');
}

export const zkpProofTarget: FuzzTarget<ZkpInput> = {
  name: 'zkp-proof',
  description: 'proofs through a real Groth16Verifier (alone and in batches, with its security counter), keys through VerificationKeys.add; a ProofVerificationError or VerificationKeyError class',
  async open() {
    const telemetry = setupTelemetry({ serviceName: 'fuzz', memberId: 'FRAF1', collectors: false, logDestination: SILENT_LOG });
    const keys = new VerificationKeys();
    keys.add(SYNTHETIC_EPOCH, SYNTHETIC_CIRCUIT, syntheticKey());
    const verifier = new Groth16Verifier(keys, { metrics: telemetry.metrics.zkp, security: telemetry.metrics.security, tracer: null });
    await verifier.start();
    const valid = [syntheticProof(['5', '5']), syntheticProof(['0', '0'])];
    // well-formed proofs that reach the deepest checks: the pairing, the subgroup
    const nearMisses = [syntheticProof(['5', '6']), syntheticProof(['5', '5'], { pi_a: G1_NEG_GEN }), syntheticProof(['5', '5'], { pi_b: G2_NOT_IN_SUBGROUP })];
    const proof = hostileJson(valid, nearMisses);
    const proofs = fc.array(proof, { minLength: 1, maxLength: 3 }).map((inputs): FuzzInput<ZkpInput> => ({
      origin: inputs.every((input) => input.origin === 'valid') ? 'valid' : 'mutated',
      value: { kind: 'proofs', proofs: inputs.map((input) => input.value) },
    }));
    const key = hostileJson([syntheticKey()], [{ ...syntheticKey(), vk_delta_2: syntheticKey().vk_gamma_2 }]).map((input): FuzzInput<ZkpInput> => ({ origin: input.origin, value: { kind: 'key', key: input.value } }));
    const counted = () => counterByLabel(telemetry, INVALID_MESSAGES, 'kind');
    return {
      inputs: fc.oneof({ weight: 4, arbitrary: proofs }, { weight: 1, arbitrary: key }),
      check: ({ value }) => (value.kind === 'proofs' ? checkProofs(verifier, counted, value.proofs) : checkKey(value.key)),
      close: async () => {
        await verifier.close();
        await telemetry.shutdown();
      },
    };
  },
};
