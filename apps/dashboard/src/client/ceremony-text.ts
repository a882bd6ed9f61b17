/**
 * The ceremony transcript report in words, for the ZKP view: what the warnings, the attestation
 * line and each step say. Pure, so the unit tests pin the wording.
 */
import type { CeremonyPlanItem, CeremonyStepItem, CeremonyTranscriptReport } from '../protocol.js';
import { formatSeconds, shortHash } from './format.js';

export type VerifiedTranscript = Extract<CeremonyTranscriptReport, { readonly status: 'verified' }>;

/** Why the transcript found is not shown as the ceremony's, in one sentence; null for a verified one. */
export function transcriptWarning(report: CeremonyTranscriptReport): string | null {
  switch (report.status) {
    case 'verified':
      return null;
    case 'mismatch':
      return report.pinnedSha256 === null
        ? `The transcript found (sha256 ${shortHash(report.sha256)}) is not shown: the keys' genesis fragment pins no transcript, so nothing ties it to these keys.`
        : `The transcript found (sha256 ${shortHash(report.sha256)}) is not the one the keys' genesis fragment pins (${shortHash(report.pinnedSha256)}): it is not shown as this ceremony's.`;
    case 'invalid':
      return `The ceremony's transcript does not check: ${report.problem}.`;
  }
}

/** `Attested by 3 of 4 members: A, B, C; not yet: D.` */
export function attestationLine(report: VerifiedTranscript): string {
  const { members } = report.plan;
  const missing = members.filter((member) => !report.attestedBy.includes(member));
  const by = report.attestedBy.length === 0 ? '' : `: ${report.attestedBy.join(', ')}`;
  return `Attested by ${report.attestedBy.length} of ${members.length} members${by}${missing.length === 0 ? '' : `; not yet: ${missing.join(', ')}`}.`;
}

/** Null when every member attested these keys; else why the attestations do not vouch for them. */
export function attestationWarning(report: VerifiedTranscript): string | null {
  return report.attestationProblem === null ? null : `Not every member attested these keys: ${report.attestationProblem}.`;
}

/** The members in contribution order, the coordinator marked. */
export function membersLine(plan: CeremonyPlanItem): string {
  return plan.members.map((member) => (member === plan.coordinator ? `${member} (coordinator)` : member)).join(', ');
}

/** `10 min 0 s per contribution; a member who does not contribute in time is skipped.` */
export function policyLine(plan: CeremonyPlanItem): string {
  const missing = plan.onMissingContribution === 'skip' ? 'is skipped' : 'aborts the ceremony';
  return `${formatSeconds(plan.contributionTimeLimitMs / 1_000)} per contribution; a member who does not contribute in time ${missing}.`;
}

const STEP_LABELS: Readonly<Record<CeremonyStepItem['kind'], string>> = {
  open: 'opened by the coordinator',
  contribution: 'contributed',
  skip: 'skipped',
  beacon: 'closed with the beacon',
};

export function stepLabel(step: CeremonyStepItem): string {
  return STEP_LABELS[step.kind];
}

/** A skip's reason in full; a beacon's value shortened (it is a hash-sized hex string). */
export function stepNote(step: CeremonyStepItem): string {
  if (step.note === null) return '';
  return step.kind === 'beacon' ? `beacon ${shortHash(step.note)}` : step.note;
}
