import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CeremonyError, checkTranscript, readTranscriptFile, TRANSCRIPT_FILE, verifyAttestations, type MemberSignature } from '@consortium/ceremony';
import fc from 'fast-check';
import { hostileJson, hostileJsonText } from '../arbitraries/hostile.js';
import { fuzzCeremony, type FuzzCeremony } from '../fixtures/ceremony.js';
import { expectThat, refusalOf, VALID, type FuzzInput, type FuzzTarget, type Verdict } from '../target.js';

/**
 * The ceremony's transcript file as a member receives it (passed by hand in the file-based mode):
 * read with readTranscriptFile and checked with checkTranscript (the signed plan, every member's
 * plan signature, every entry replayed against the plan); and the members' attestations of the
 * final hashes (verifyAttestations). Refusals: the ceremony's CeremonyError classes
 * (TranscriptFileError, InvalidPlanError, PlanSignatureError, TranscriptEntryError,
 * AttestationError). A valid transcript says how many entries it replayed. The attestations are
 * checked against final hashes computed locally (as `ceremony verify` computes them from the files).
 */

type CeremonyInput = { readonly kind: 'transcript'; readonly text: string } | { readonly kind: 'attestations'; readonly value: unknown };

async function checkTranscriptText(file: string, text: string): Promise<Verdict> {
  await writeFile(file, text);
  try {
    const document = await readTranscriptFile(file);
    const state = checkTranscript(document);
    expectThat(state.entries === document.entries.length, `checkTranscript replayed ${state.entries} of ${document.entries.length} entries`);
    return VALID;
  } catch (error) {
    return refusalOf(error, [CeremonyError], 'reading and checking a transcript');
  }
}

/** The attestations a transcript file carries, against the final hashes the checker computed itself from the files. */
function checkAttestations(ceremony: FuzzCeremony, attestations: unknown): Verdict {
  // what readTranscriptFile hands on: the file's array (of anything), or none
  const signatures = Array.isArray(attestations) ? (attestations as MemberSignature[]) : [];
  try {
    verifyAttestations(ceremony.plan, ceremony.finalHashes, signatures);
    return VALID;
  } catch (error) {
    return refusalOf(error, [CeremonyError], 'verifyAttestations');
  }
}

export const ceremonyTranscriptTarget: FuzzTarget<CeremonyInput> = {
  name: 'ceremony-transcript',
  description: 'transcript files through readTranscriptFile and checkTranscript, attestations through verifyAttestations; a CeremonyError class, else the whole transcript replayed',
  async open() {
    const ceremony = fuzzCeremony();
    const dir = await mkdtemp(join(tmpdir(), 'fuzz-ceremony-'));
    const file = join(dir, TRANSCRIPT_FILE);
    const transcripts = hostileJsonText([ceremony.complete, ...ceremony.inProgress]).map((input): FuzzInput<CeremonyInput> => ({ origin: input.origin, value: { kind: 'transcript', text: input.value } }));
    const attestations = hostileJson([ceremony.attestations]).map((input): FuzzInput<CeremonyInput> => ({ origin: input.origin, value: { kind: 'attestations', value: input.value } }));
    return {
      inputs: fc.oneof({ weight: 3, arbitrary: transcripts }, { weight: 1, arbitrary: attestations }),
      check: ({ value }) => (value.kind === 'transcript' ? checkTranscriptText(file, value.text) : checkAttestations(ceremony, value.value)),
      close: () => rm(dir, { recursive: true, force: true }),
    };
  },
};
