import { laneName, type TranscriptEntry } from '../transcript/entries.js';
import type { CeremonyStatus } from './messages.js';

/**
 * The progress of a distributed ceremony in words, from one status to the next: what each
 * party's display prints, so every member sees the same story (who contributed, whose turn it
 * is and until when, what was refused and why, who attested). Pure.
 */
export function describeStatusChange(previous: CeremonyStatus | null, current: CeremonyStatus): string[] {
  const lines: string[] = [];
  const { plan } = current.transcript;
  const seen = previous?.transcript.entries.length ?? 0;
  for (const entry of current.transcript.entries.slice(seen)) lines.push(describeEntry(entry));
  for (const rejection of current.rejections.slice(previous?.rejections.length ?? 0)) lines.push(`refused ${rejection.member}'s contribution: ${rejection.reason}`);
  const due = current.due;
  if (due !== null && (previous?.due?.member !== due.member || previous.due.sinceMs !== due.sinceMs)) {
    const seconds = Math.round((due.deadlineMs - due.sinceMs) / 1000);
    lines.push(`waiting for ${due.member}'s contribution to ${laneName(due.lane)} (time limit ${seconds} s, until ${new Date(due.deadlineMs).toISOString().slice(11, 19)} UTC)`);
  }
  if (current.stage === 'attesting' && previous?.stage !== 'attesting') lines.push('every lane is closed: each member checks the whole ceremony and attests the final hashes');
  for (const attestation of current.transcript.attestations.slice(previous?.transcript.attestations.length ?? 0)) {
    lines.push(`${attestation.member} attested the final hashes (${current.transcript.attestations.indexOf(attestation) + 1} of ${plan.members.length})`);
  }
  if (current.stage === 'complete' && previous?.stage !== 'complete') lines.push(`complete: every member attested; the keys are in the keys folder`);
  if (current.stage === 'aborted' && previous?.stage !== 'aborted') lines.push(`aborted: ${current.abortReason ?? 'no reason given'}`);
  return lines;
}

function describeEntry(entry: TranscriptEntry): string {
  const lane = laneName(entry.lane);
  switch (entry.kind) {
    case 'open':
      return `${entry.signer} (coordinator) opened ${lane}`;
    case 'contribution':
      return `${entry.signer} contributed to ${lane} (sha256 ${entry.outputSha256.slice(0, 12)}…)`;
    case 'skip':
      return `${entry.member} skipped in ${lane}: ${entry.reason}`;
    case 'beacon':
      return `${entry.signer} (coordinator) closed ${lane} with the beacon`;
  }
}
