import { isDeepStrictEqual } from 'node:util';
import { MESSAGE_MAX_BYTES, PRIVATE_HEADER_MAX_BYTES, PRIVATE_OFFER_PREFIX_BYTES, PRIVATE_STATUS, PROTOCOL_IDS } from '@consortium/p2p';
import { lpStream } from '@libp2p/utils';
import fc from 'fast-check';
import { mutatedBytes, randomBytes } from '../arbitraries/bytes.js';
import { counterByLabel } from '../fixtures/settlement-app.js';
import { NODE_ID, ROGUE_ID, RECORDS_BODY_MAX_BYTES, startP2PPair, type P2PPair } from '../fixtures/p2p-pair.js';
import { expectThat, FuzzPropertyError, VALID, type FuzzInput, type FuzzTarget, type Verdict } from '../target.js';
import { expectedPrivateExchange, varint, type ExpectedExchange } from './p2p-wire-model.js';

/**
 * libs/p2p's framing on the wire: a real P2PNode and a rogue member (a bare libp2p host) that
 * opens streams of the private `records` protocol and writes raw bytes: the offer frame (a
 * varint length, the body's declared length, the header) and the body frame, mutated (cut, a
 * length prefix too long, lengths over the limits, junk). What the node must answer follows from
 * the bytes (p2p-wire-model.ts, a reference reading of the format): the status of each stage,
 * the faults counted in consortium_security_invalid_messages_total (oversized, malformed) and
 * scored, and what reaches the handler. The node never leaves a stream unanswered.
 */

const INVALID_MESSAGES = 'consortium_security_invalid_messages_total';
const ANSWER_TIMEOUT_MS = 10_000;
const STATUS_NAMES = new Map<number, string>(Object.entries(PRIVATE_STATUS).map(([name, code]) => [code, name]));

interface Subject {
  readonly pair: P2PPair;
  readonly delivered: { readonly header: Uint8Array; readonly body: Uint8Array }[];
}

/** Writes `bytes` on a new records stream, closes it for writing, and reads every status the node answers until it ends the stream. */
async function exchange(subject: Subject, bytes: Uint8Array): Promise<number[]> {
  const connection = subject.pair.rogue.getConnections()[0];
  if (connection === undefined) throw new FuzzPropertyError(`${NODE_ID} dropped the connection of ${ROGUE_ID}`);
  const stream = await connection.newStream(PROTOCOL_IDS.records);
  if (bytes.byteLength > 0 && !stream.send(bytes)) await stream.onDrain();
  await stream.close();
  const lp = lpStream(stream);
  const signal = AbortSignal.timeout(ANSWER_TIMEOUT_MS);
  const statuses: number[] = [];
  for (;;) {
    try {
      const status = (await lp.read({ signal })).subarray();
      expectThat(status.byteLength === 1, `the node answered a status of ${status.byteLength} bytes`);
      statuses.push(status[0]!);
    } catch (error) {
      if (error instanceof FuzzPropertyError) throw error;
      if (signal.aborted) throw new FuzzPropertyError(`the node left a records stream unanswered for ${ANSWER_TIMEOUT_MS} ms`);
      return statuses;
    }
  }
}

function describeStatuses(statuses: readonly number[]): string {
  return `[${statuses.map((code) => STATUS_NAMES.get(code) ?? String(code)).join(', ')}]`;
}

async function check(subject: Subject, bytes: Uint8Array): Promise<Verdict> {
  const expected: ExpectedExchange = expectedPrivateExchange(bytes, RECORDS_BODY_MAX_BYTES);
  const before = await counterByLabel(subject.pair.telemetry, INVALID_MESSAGES, 'kind');
  const deliveredBefore = subject.delivered.length;
  const statuses = await exchange(subject, bytes);
  const after = await counterByLabel(subject.pair.telemetry, INVALID_MESSAGES, 'kind');
  const moved = (kind: string) => (after.get(kind) ?? 0) - (before.get(kind) ?? 0);
  const delivered = subject.delivered.slice(deliveredBefore);
  expectThat(isDeepStrictEqual(statuses, expected.statuses), `the node answered ${describeStatuses(statuses)}, the format says ${describeStatuses(expected.statuses)}`);
  expectThat(moved('oversized') === (expected.fault === 'oversized' ? 1 : 0) && moved('malformed') === (expected.fault === 'malformed' ? 1 : 0), `expected fault ${expected.fault ?? 'none'}: the node counted oversized ${moved('oversized')}, malformed ${moved('malformed')}`);
  if (expected.delivered === null) {
    expectThat(delivered.length === 0, 'a message the node must refuse reached the handler');
    return { outcome: 'refused', refusal: expected.refusal };
  }
  expectThat(delivered.length === 1 && isDeepStrictEqual(delivered[0], expected.delivered), 'a well-framed message did not reach the handler as sent');
  return VALID;
}

/** Offer and body frames as a sending node writes them; the header's first byte says whether the handler authorizes it. */
function message(header: Uint8Array, body: Uint8Array, declaredBodyBytes = body.byteLength): Uint8Array {
  const offer = new Uint8Array(PRIVATE_OFFER_PREFIX_BYTES + header.byteLength);
  new DataView(offer.buffer).setUint32(0, declaredBodyBytes);
  offer.set(header, PRIVATE_OFFER_PREFIX_BYTES);
  return Uint8Array.from([...varint(offer.byteLength), ...offer, ...varint(body.byteLength), ...body]);
}

export const p2pWireTarget: FuzzTarget<Uint8Array> = {
  name: 'p2p-wire',
  description: "raw bytes on a real P2PNode's private records streams from a rogue member; statuses, counted faults and deliveries as the format says",
  async open() {
    const pair = await startP2PPair();
    const subject: Subject = { pair, delivered: [] };
    pair.node.handlePrivate({
      authorize: (_from, header) => header[0] === 1,
      deliver: (_from, header, body) => {
        subject.delivered.push({ header: new Uint8Array(header), body: new Uint8Array(body) });
      },
    });
    const seeds = [
      message(Uint8Array.of(1, 2, 3), new Uint8Array(64).fill(7)),
      message(Uint8Array.of(1), new Uint8Array(RECORDS_BODY_MAX_BYTES).fill(9)),
      message(new Uint8Array(PRIVATE_HEADER_MAX_BYTES).fill(1), Uint8Array.of(5)),
    ];
    const nearMisses = [message(Uint8Array.of(0), Uint8Array.of(5)), message(Uint8Array.of(1), Uint8Array.of(5), 6), message(Uint8Array.of(1), Uint8Array.of(5), MESSAGE_MAX_BYTES.records)];
    const inputs: fc.Arbitrary<FuzzInput<Uint8Array>> = fc.oneof(
      { weight: 2, arbitrary: randomBytes(64).map((value) => ({ origin: 'random' as const, value })) },
      { weight: 7, arbitrary: mutatedBytes([...seeds, ...nearMisses]).map((value) => ({ origin: 'mutated' as const, value })) },
      { weight: 1, arbitrary: fc.constantFrom(...nearMisses).map((value) => ({ origin: 'mutated' as const, value })) },
      { weight: 1, arbitrary: fc.constantFrom(...seeds).map((value) => ({ origin: 'valid' as const, value })) },
    );
    return { inputs, check: ({ value }) => check(subject, value), close: () => pair.close() };
  },
};
