import type { Attributes, AttributeValue, Span, Tracer } from '@opentelemetry/api';
import { setupTelemetry, type Telemetry } from '@consortium/telemetry';
import type { Groth16Proof, VerificationKey } from 'snarkjs';
import type { SettlementProof } from '../../src/proof.js';

/**
 * Helpers for the verifier's tests: a synthetic verification key and proofs made of generator
 * points (well-formed and on the curves, so every check short of the pairing passes, and the
 * pairing fails), a tracer that records spans, and metric readers.
 */

export const Q = 21888242871839275222246405745257275088696311157297823662689037894645226208583n;
export const R = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

/** The BN254 G1 generator (1, 2) and its negation. */
export const G1_GEN = ['1', '2', '1'];
export const G1_NEG_GEN = ['1', (Q - 2n).toString(), '1'];
/** The BN254 G2 generator as snarkjs writes points: [[x.c0, x.c1], [y.c0, y.c1], ["1", "0"]]. */
export const G2_GEN = [
  ['10857046999023057135944570762232829481370756359578518086990519993285655852781', '11559732032986387107991004021392285783925812861821192530917403151452391805634'],
  ['8495653923123431417604973247489272438418190587263600148770280649306958101930', '4082367875863433681332203403145435568316851327593401208105741076214120093531'],
  ['1', '0'],
];
export const G2_NEG_GEN = [G2_GEN[0]!, G2_GEN[1]!.map((c) => (Q - BigInt(c)).toString()), ['1', '0']];
/**
 * A point on the G2 twist curve outside the order-r subgroup: x = 2 + u, y a square root of
 * x^3 + b' (found with ffjavascript's F2.sqrt; r * P != 0 was checked with G2.timesScalar).
 */
export const G2_NOT_IN_SUBGROUP = [
  ['2', '1'],
  ['7292567877523311580221095596750716176434782432868683424513645834767876293070', '19659275751359636165940301690575149581329631496732780143538578556285923319774'],
  ['1', '0'],
];

/** A key with nPublic = 2 whose points are generators: structurally valid, useless for real proofs. */
export function syntheticKey(nPublic = 2): VerificationKey {
  return {
    protocol: 'groth16',
    curve: 'bn128',
    nPublic,
    vk_alpha_1: [...G1_GEN],
    vk_beta_2: G2_GEN.map((c) => [...c]),
    vk_gamma_2: G2_GEN.map((c) => [...c]),
    vk_delta_2: G2_NEG_GEN.map((c) => [...c]),
    IC: Array.from({ length: nPublic + 1 }, (_, i) => (i % 2 === 0 ? [...G1_GEN] : [...G1_NEG_GEN])),
  };
}

export function syntheticProof(overrides: Partial<Record<'pi_a' | 'pi_b' | 'pi_c', unknown>> = {}): Groth16Proof {
  return { pi_a: [...G1_GEN], pi_b: G2_GEN.map((c) => [...c]), pi_c: [...G1_GEN], protocol: 'groth16', curve: 'bn128', ...overrides } as Groth16Proof;
}

export function envelope(proof: Groth16Proof, publicSignals: readonly string[], epoch = 1, circuit = 'settlement-4'): SettlementProof {
  return { epoch, circuit, proof, publicSignals };
}

export interface RecordedSpan {
  readonly name: string;
  readonly attributes: Attributes;
  ended: boolean;
  exceptions: unknown[];
}

/** A Tracer whose spans only record their name, attributes and end. */
export function recordingTracer(): { tracer: Tracer; spans: RecordedSpan[] } {
  const spans: RecordedSpan[] = [];
  const tracer = {
    startSpan(name: string, options?: { attributes?: Attributes }): Span {
      const recorded: RecordedSpan = { name, attributes: { ...options?.attributes }, ended: false, exceptions: [] };
      spans.push(recorded);
      const span = {
        setAttribute(key: string, value: AttributeValue) {
          recorded.attributes[key] = value;
          return span;
        },
        setAttributes(attributes: Attributes) {
          Object.assign(recorded.attributes, attributes);
          return span;
        },
        recordException(exception: unknown) {
          recorded.exceptions.push(exception);
        },
        setStatus() {
          return span;
        },
        end() {
          recorded.ended = true;
        },
      };
      return span as unknown as Span;
    },
  };
  return { tracer: tracer as unknown as Tracer, spans };
}

export function testTelemetry(): Telemetry {
  return setupTelemetry({ serviceName: 'zkp-verifier-test', memberId: 'FRAF1', registerGlobal: false, collectors: false, env: {}, logLevel: 'silent' });
}

/** The value of one series of a counter (0 when absent). */
export async function counterValue(telemetry: Telemetry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = telemetry.registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const match = values.find((value) => Object.entries(labels).every(([key, expected]) => value.labels[key] === expected));
  return match?.value ?? 0;
}

/** The sample count of one histogram series (0 when absent). */
export async function histogramCount(telemetry: Telemetry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = telemetry.registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const match = values.find(
    (value) => (value as { metricName?: string }).metricName === `${name}_count` && Object.entries(labels).every(([key, expected]) => value.labels[key] === expected),
  );
  return match?.value ?? 0;
}
