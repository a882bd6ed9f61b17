import type { TranscriptDocument } from './transcript/document.js';
import { laneName, sameLane, type Lane } from './transcript/entries.js';
import { lanesOf, replayTranscript, type NextStep } from './transcript/replay.js';

/**
 * The transcript for people: who did what, when, on which file, and where the ceremony stands.
 * `transcriptSummary` is the data (the dashboard's ZKP view shows it); `renderTranscriptReport`
 * the text `consortium-setup ceremony report` prints. Pure: the transcript is checked by the
 * caller (readTranscriptFile and checkTranscript); an entry that does not replay ends the walk.
 */

export interface SummaryStep {
  readonly seq: number;
  readonly kind: 'open' | 'contribution' | 'skip' | 'beacon';
  /** Who contributed, who was skipped, or the coordinator who opened or closed the lane. */
  readonly member: string;
  readonly timeMs: number;
  readonly inputSha256: string | null;
  readonly outputSha256: string | null;
  readonly contributionHash: string | null;
  /** A skip's reason, or the beacon value. */
  readonly note: string | null;
}

export interface TranscriptSummary {
  readonly ceremonyId: string;
  readonly chainId: string;
  readonly members: readonly string[];
  readonly coordinator: string;
  readonly phase1: string;
  readonly beacon: string;
  readonly lanes: readonly { readonly name: string; readonly lane: Lane; readonly steps: readonly SummaryStep[]; readonly closed: boolean }[];
  readonly attestedBy: readonly string[];
  /** What the ceremony waits for, in words, or null when every lane is closed. */
  readonly waitingFor: string | null;
  readonly complete: boolean;
}

export function describeNextStep(next: NextStep): string {
  return next.kind === 'contribution' ? `${next.member}'s contribution to ${laneName(next.lane)}` : `the coordinator ${next.signer} to ${next.kind === 'open' ? 'open' : 'close (beacon)'} ${laneName(next.lane)}`;
}

export function transcriptSummary(document: TranscriptDocument): TranscriptSummary {
  const { plan } = document;
  const state = replayTranscript(plan, document.entries);
  const lanes = lanesOf(plan).map((lane) => {
    const steps: SummaryStep[] = document.entries
      .filter((entry) => sameLane(entry.lane, lane))
      .map((entry) => ({
        seq: entry.seq,
        kind: entry.kind,
        member: entry.kind === 'skip' ? entry.member : entry.signer,
        timeMs: entry.timeMs,
        inputSha256: entry.kind === 'contribution' || entry.kind === 'beacon' ? entry.inputSha256 : null,
        outputSha256: entry.kind === 'skip' ? null : entry.outputSha256,
        contributionHash: entry.kind === 'contribution' || entry.kind === 'beacon' ? entry.contributionHash : null,
        note: entry.kind === 'skip' ? entry.reason : entry.kind === 'beacon' ? entry.beacon : null,
      }));
    return { name: laneName(lane), lane, steps, closed: state.lanes.find((candidate) => sameLane(candidate.lane, lane))?.closed ?? false };
  });
  return {
    ceremonyId: plan.ceremonyId,
    chainId: plan.chainId,
    members: plan.members.map((member) => member.id),
    coordinator: plan.coordinator,
    phase1: plan.phase1.source === 'ceremony' ? `made by the members at 2^${plan.phase1.power}` : `imported (${plan.phase1.file}, sha256 ${plan.phase1.sha256.slice(0, 16)}…)`,
    beacon: `${plan.beacon.source}, 2^${plan.beacon.iterationsExp} iterations`,
    lanes,
    attestedBy: document.attestations.map((attestation) => attestation.member),
    waitingFor: state.next === null ? null : describeNextStep(state.next),
    complete: state.next === null,
  };
}

const short = (hex: string | null) => (hex === null ? '' : `${hex.slice(0, 12)}…`);
const when = (timeMs: number) => new Date(timeMs).toISOString().replace('.000Z', 'Z');

export function renderTranscriptReport(document: TranscriptDocument): string {
  const summary = transcriptSummary(document);
  const { plan } = document;
  const minutes = Math.round(plan.contributionTimeLimitMs / 60_000);
  const lines = [
    `Ceremony ${summary.ceremonyId} (chain ${summary.chainId})`,
    `  members, in contribution order: ${summary.members.map((id) => (id === summary.coordinator ? `${id} (coordinator)` : id)).join(', ')}`,
    `  phase 1: ${summary.phase1}`,
    `  circuits: ${plan.circuits.map((circuit) => `${circuit.name} (r1cs ${short(circuit.r1csSha256)})`).join(', ')}`,
    `  time limit per contribution: ${minutes >= 1 ? `${minutes} min` : `${Math.round(plan.contributionTimeLimitMs / 1000)} s`}; a member who does not contribute ${plan.onMissingContribution === 'skip' ? 'is skipped' : 'aborts the ceremony'}`,
    `  beacon: ${summary.beacon}`,
  ];
  for (const lane of summary.lanes) {
    lines.push('', `${lane.name}${lane.closed ? '' : ' (open)'}`);
    if (lane.steps.length === 0) lines.push('  not started');
    for (const step of lane.steps) {
      const head = `  #${String(step.seq).padEnd(3)} ${when(step.timeMs)}  `;
      switch (step.kind) {
        case 'open':
          lines.push(`${head}opened by ${step.member}: ${short(step.outputSha256)}`);
          break;
        case 'contribution':
          lines.push(`${head}${step.member} contributed: ${short(step.inputSha256)} -> ${short(step.outputSha256)} (contribution ${short(step.contributionHash)})`);
          break;
        case 'skip':
          lines.push(`${head}${step.member} skipped: ${step.note ?? ''}`);
          break;
        case 'beacon':
          lines.push(`${head}closed by ${step.member} with the beacon ${short(step.note)}: final file ${short(step.outputSha256)}`);
          break;
      }
    }
  }
  const missing = summary.members.filter((id) => !summary.attestedBy.includes(id));
  lines.push('', summary.complete ? 'Every lane is closed.' : `Waiting for ${summary.waitingFor}.`);
  if (summary.complete) lines.push(missing.length === 0 ? `Attested by every member (${summary.attestedBy.length}).` : `Attested by ${summary.attestedBy.length} of ${summary.members.length}; not yet: ${missing.join(', ')}.`);
  return `${lines.join('\n')}\n`;
}
