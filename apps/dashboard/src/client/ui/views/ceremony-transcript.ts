/// <reference lib="dom" />
/// <reference lib="dom.asynciterable" />
/**
 * The ZKP view's ceremony transcript: the plan every member signed, each lane's steps in order
 * (who, when, on which file; skips with their reason; the beacon), and who attested the keys. A
 * transcript that is not the keys' (or does not check) is not shown: a warning says why.
 */
import { h, type ComponentChildren } from 'preact';
import type { CeremonyLaneItem, CeremonyTranscriptReport } from '../../../protocol.js';
import { attestationLine, attestationWarning, membersLine, policyLine, stepLabel, stepNote, transcriptWarning, type VerifiedTranscript } from '../../ceremony-text.js';
import { formatDateTime, shortHash } from '../../format.js';
import { KeyValues, Section, Table } from '../parts.js';

/** A hash cell: short on screen, in full on hover. */
function hashCell(hex: string | null): ComponentChildren {
  return hex === null ? '' : h('code', { title: hex }, shortHash(hex));
}

function Warning({ text }: { readonly text: string }) {
  return h('p', { class: 'warning', 'data-testid': 'ceremony-warning' }, text);
}

function LaneTable({ lane, index }: { readonly lane: CeremonyLaneItem; readonly index: number }) {
  return h(
    'div',
    { class: 'lane' },
    h('h4', null, lane.closed ? lane.name : `${lane.name} (open)`),
    h(Table, {
      testid: `ceremony-lane-${index}`,
      columns: ['#', 'Time (UTC)', 'Step', 'Member', 'Input', 'Output', 'Note'],
      rows: lane.steps.map((step) => [String(step.seq), formatDateTime(step.timeMs), stepLabel(step), step.member, hashCell(step.inputSha256), hashCell(step.outputSha256), stepNote(step)]),
      rowAttributes: lane.steps.map((step) => ({ 'data-kind': step.kind, 'data-member': step.member })),
      empty: 'Not started.',
    }),
  );
}

function VerifiedReport({ report }: { readonly report: VerifiedTranscript }) {
  const { plan } = report;
  const warning = attestationWarning(report);
  return h(
    'div',
    null,
    h(KeyValues, {
      testid: 'ceremony-plan',
      items: [
        ['Ceremony', plan.ceremonyId],
        ['Chain', plan.chainId],
        ['Members, in order', membersLine(plan)],
        ['Phase 1', plan.phase1],
        ['Beacon', plan.beacon],
        ['Policy', policyLine(plan)],
      ],
    }),
    h('p', { class: 'summary', 'data-testid': 'ceremony-attestations' }, attestationLine(report)),
    warning === null ? null : h(Warning, { text: warning }),
    report.waitingFor === null ? null : h('p', { class: 'summary' }, `Waiting for ${report.waitingFor}.`),
    ...report.lanes.map((lane, index) => h(LaneTable, { lane, index })),
  );
}

/** The transcript of a multi-party ceremony's keys; null: none was found beside them. */
export function CeremonyTranscript({ report }: { readonly report: CeremonyTranscriptReport | null }) {
  const warning = report === null ? null : transcriptWarning(report);
  return h(
    Section,
    { title: 'Ceremony transcript', testid: 'ceremony-transcript' },
    h(
      'div',
      { 'data-testid': 'ceremony-report', 'data-status': report?.status ?? 'none' },
      report === null
        ? h('p', { class: 'empty' }, 'No transcript.json found beside the keys: the ceremony cannot be shown step by step.')
        : report.status === 'verified'
          ? h(VerifiedReport, { report })
          : h(Warning, { text: warning ?? '' }),
    ),
  );
}
