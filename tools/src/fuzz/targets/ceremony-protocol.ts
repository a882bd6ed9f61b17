import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CeremonyCoordinator,
  CeremonyProtocolError,
  CeremonyWorkspace,
  decodeChunk,
  decodeRequest,
  decodeResponse,
  encodeChunk,
  encodeRequest,
  encodeResponse,
  type CeremonyRequest,
  type CeremonyTransport,
} from '@consortium/ceremony';
import { setupTelemetry, type Telemetry } from '@consortium/telemetry';
import fc from 'fast-check';
import { hostileBytes } from '../arbitraries/hostile.js';
import { fuzzCeremony, type FuzzCeremony } from '../fixtures/ceremony.js';
import { counterByLabel, SILENT_LOG } from '../fixtures/settlement-app.js';
import { expectThat, FuzzPropertyError, refusalOf, VALID, type FuzzInput, type FuzzTarget, type Verdict } from '../target.js';

/**
 * The distributed ceremony's protocol (libs/ceremony distributed/messages.ts): a real
 * CeremonyCoordinator (its workspace in a temporary folder) answering members' requests through
 * the handler it registers on the transport (only the network is replaced), and the responses a
 * participant decodes from a coordinator. A refused request is answered `refused` with the
 * protocol's refusal (a malformed request is `malformed`; a request that decodes is refused for
 * what it asks, never as malformed), told to onRefused and counted in
 * consortium_ceremony_refused_requests_total; the handler never rejects. A response decodes to a
 * status of the shape a participant reads, or is a CeremonyProtocolError.
 */

type ProtocolInput = { readonly side: 'request'; readonly from: string; readonly bytes: Uint8Array } | { readonly side: 'response'; readonly bytes: Uint8Array };

const REFUSED = 'consortium_ceremony_refused_requests_total';
const RESPONSE_TAG_CHUNK = 1;

interface CoordinatorUnderFuzz {
  readonly ceremony: FuzzCeremony;
  readonly telemetry: Telemetry;
  readonly serve: (from: string, payload: Uint8Array) => Promise<Uint8Array>;
  readonly refusals: { readonly from: string; readonly refusal: string }[];
  readonly dir: string;
}

async function startCoordinator(): Promise<CoordinatorUnderFuzz> {
  const ceremony = fuzzCeremony();
  const dir = await mkdtemp(join(tmpdir(), 'fuzz-ceremony-protocol-'));
  // the plan names the r1cs by its hash; these bytes are what it hashes
  const r1cs = join(dir, 'settlement-4.r1cs');
  await writeFile(r1cs, 'settlement-4.r1cs');
  const workspace = await CeremonyWorkspace.create(join(dir, 'ceremony'), ceremony.plan, ceremony.complete.planSignatures, { 'settlement-4': r1cs });
  const telemetry = setupTelemetry({ serviceName: 'fuzz', memberId: ceremony.plan.coordinator, dataDir: dir, collectors: false, logDestination: SILENT_LOG });
  let serve: CoordinatorUnderFuzz['serve'] | null = null;
  const transport: CeremonyTransport = { request: () => new Promise<Uint8Array>(() => {}), onRequest: (_protocol, handler) => (serve = handler) };
  const refusals: CoordinatorUnderFuzz['refusals'] = [];
  new CeremonyCoordinator({
    workspace,
    signer: ceremony.signers.get(ceremony.plan.coordinator)!,
    transport,
    beaconHex: 'ab'.repeat(32),
    keys: { epoch: 2, circuits: [] },
    telemetry: { metrics: telemetry.metrics.ceremony },
    onRefused: (from, refusal) => refusals.push({ from, refusal }),
  });
  if (serve === null) throw new Error('the coordinator registered no request handler');
  return { ceremony, telemetry, serve, refusals, dir };
}

function requestSeeds(ceremony: FuzzCeremony): CeremonyRequest[] {
  const entry = ceremony.complete.entries[1]!;
  return [
    { type: 'status' },
    { type: 'collected' },
    { type: 'chunk', sha256: entry.kind === 'contribution' ? entry.inputSha256 : 'ab'.repeat(32), offset: 0 },
    { type: 'contribution', entry, size: 1_000 },
    { type: 'attestation', signature: ceremony.attestations[1]! },
  ];
}

/** What the request decodes to by itself: the refusal a malformed one must get, or null. */
function malformation(bytes: Uint8Array): string | null {
  try {
    decodeRequest(bytes);
    return null;
  } catch (error) {
    if (error instanceof CeremonyProtocolError) return error.refusal;
    throw new FuzzPropertyError(`decodeRequest threw ${String(error)}, not a CeremonyProtocolError`, { cause: error });
  }
}

async function checkRequest(subject: CoordinatorUnderFuzz, from: string, bytes: Uint8Array): Promise<Verdict> {
  const expected = malformation(bytes);
  const refusalsBefore = subject.refusals.length;
  const countedBefore = await counterByLabel(subject.telemetry, REFUSED, 'reason');
  let response: Uint8Array;
  try {
    response = await subject.serve(from, bytes);
  } catch (error) {
    throw new FuzzPropertyError(`the coordinator's handler rejected (${String(error)}): a request is always answered`, { cause: error });
  }
  if (response[0] === RESPONSE_TAG_CHUNK) return VALID;
  let refusal: string | null = null;
  try {
    decodeResponse(response);
  } catch (error) {
    if (!(error instanceof CeremonyProtocolError)) throw new FuzzPropertyError(`the coordinator's answer does not decode: ${String(error)}`, { cause: error });
    refusal = error.refusal;
  }
  const told = subject.refusals.slice(refusalsBefore);
  if (refusal === null) {
    expectThat(expected === null && told.length === 0, `a request answered without a refusal (decoder: ${expected ?? 'ok'}, refusals told: ${told.length})`);
    return VALID;
  }
  if (expected !== null) expectThat(refusal === expected, `a malformed request (${expected}) was refused as ${refusal}`);
  else expectThat(refusal !== 'malformed', 'a request that decodes was refused as malformed: the handler failed on it');
  expectThat(told.length === 1 && told[0]!.from === from && told[0]!.refusal === refusal, `refusal ${refusal} told ${told.length} time(s)`);
  const counted = (await counterByLabel(subject.telemetry, REFUSED, 'reason')).get(refusal) ?? 0;
  expectThat(counted === (countedBefore.get(refusal) ?? 0) + 1, `refusal ${refusal} was not counted in ${REFUSED}`);
  return { outcome: 'refused', refusal: `CeremonyProtocolError(${refusal})` };
}

function checkResponse(bytes: Uint8Array): Verdict {
  try {
    if (bytes[0] === RESPONSE_TAG_CHUNK) decodeChunk(bytes);
    else decodeResponse(bytes);
    return VALID;
  } catch (error) {
    const verdict = refusalOf(error, [CeremonyProtocolError], 'decoding a response');
    return verdict.outcome === 'refused' ? { outcome: 'refused', refusal: `CeremonyProtocolError(${(error as CeremonyProtocolError).refusal})` } : verdict;
  }
}

function isRefusal(response: Uint8Array): boolean {
  if (response[0] === RESPONSE_TAG_CHUNK) return false;
  try {
    decodeResponse(response);
    return false;
  } catch {
    return true;
  }
}

async function inputsOf(subject: CoordinatorUnderFuzz): Promise<fc.Arbitrary<FuzzInput<ProtocolInput>>> {
  const { plan } = subject.ceremony;
  const requests = requestSeeds(subject.ceremony).map(encodeRequest);
  // valid: what a member may ask now (the others are refused for the ceremony's stage)
  const answered: Uint8Array[] = [];
  for (const request of requests) if (!isRefusal(await subject.serve(plan.members[1]!.id, request))) answered.push(request);
  // a refusal decodes to its CeremonyProtocolError by design: a start for mutations, not a valid input
  const refusal = encodeResponse({ type: 'refused', refusal: 'busy', reason: 'a contribution is being checked' });
  const responses = [await subject.serve(plan.members[1]!.id, requests[0]!), encodeResponse({ type: 'ok' }), encodeChunk(new Uint8Array(64).fill(5))];
  const json = (seeds: readonly Uint8Array[]) => ({ values: seeds.map((seed) => JSON.parse(new TextDecoder().decode(seed.subarray(seed[0] === 0 ? 1 : 0))) as unknown), mode: 'json' as const });
  const from = fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...plan.members.map((m) => m.id)) }, { weight: 1, arbitrary: fc.constant('stranger') });
  const requestInputs = fc.tuple(hostileBytes({ seeds: answered, structured: { ...json(requests), encode: (value) => encodeRequest(value as CeremonyRequest) } }), from);
  const responseInputs = hostileBytes({ seeds: responses, structured: { ...json([...responses.slice(0, 2), refusal]), encode: (value) => encodeResponse(value as never) } });
  return fc.oneof(
    { weight: 3, arbitrary: requestInputs.map(([input, sender]) => ({ origin: input.origin, value: { side: 'request' as const, from: sender, bytes: input.value } })) },
    { weight: 2, arbitrary: responseInputs.map((input) => ({ origin: input.origin, value: { side: 'response' as const, bytes: input.value } })) },
  );
}

export const ceremonyProtocolTarget: FuzzTarget<ProtocolInput> = {
  name: 'ceremony-protocol',
  description: "requests through a real CeremonyCoordinator's handler (refused, told and counted by refusal) and responses as a participant decodes them; CeremonyProtocolError",
  async open() {
    const subject = await startCoordinator();
    return {
      inputs: await inputsOf(subject),
      check: ({ value }) => (value.side === 'request' ? checkRequest(subject, value.from, value.bytes) : checkResponse(value.bytes)),
      close: async () => {
        await subject.telemetry.shutdown();
        await rm(subject.dir, { recursive: true, force: true });
      },
    };
  },
};
