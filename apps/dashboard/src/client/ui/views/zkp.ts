/// <reference lib="dom" />
/// <reference lib="dom.asynciterable" />
/** ZKP: prove and verify latency, prover queue, proofs by outcome, key epochs, the ceremony and its transcript. */
import { h } from 'preact';
import type { DashboardSnapshot } from '../../../protocol.js';
import { formatCount } from '../../format.js';
import { ChartsOf } from '../chart.js';
import { KeyValues, Section, Table } from '../parts.js';
import { CeremonyTranscript } from './ceremony-transcript.js';

function outcomeRows(counts: Readonly<Record<string, number>>): string[][] {
  return Object.entries(counts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([outcome, count]) => [outcome, formatCount(count)]);
}

export function ZkpView({ data }: { readonly data: DashboardSnapshot }) {
  const members = data.members.map((member) => member.id);
  const { zkp } = data;
  const { ceremony } = zkp;
  return h(
    'div',
    null,
    h(ChartsOf, { view: 'zkp', charts: data.charts, members }),
    h(
      'div',
      { class: 'columns' },
      h(Section, { title: 'Proofs made, by outcome (since each node started)' }, h(Table, { testid: 'proofs-by-outcome', columns: ['Outcome', 'Proofs'], rows: outcomeRows(zkp.proofsByOutcome), empty: 'No proof made yet.' })),
      h(Section, { title: 'Verifications, by outcome (since each node started)' }, h(Table, { testid: 'verifications-by-outcome', columns: ['Outcome', 'Verifications'], rows: outcomeRows(zkp.verificationsByOutcome), empty: 'No proof verified yet.' })),
    ),
    h(
      'div',
      { class: 'columns' },
      h(
        Section,
        { title: 'Key epochs' },
        h(Table, {
          testid: 'key-epochs',
          columns: ['Epoch', 'From height', 'Circuits'],
          rows: zkp.keyEpochs.map((epoch) => [formatCount(epoch.epoch), formatCount(epoch.height), epoch.circuits.join(', ')]),
          empty: 'No key epoch known.',
        }),
      ),
      h(
        Section,
        { title: 'Trusted-setup ceremony', testid: 'ceremony' },
        ceremony === null
          ? h('p', { class: 'empty' }, 'No keys manifest found: the trusted setup behind the keys is unknown.')
          : h(KeyValues, {
              items: [
                ['Kind', ceremony.kind],
                ['Contributors', ceremony.contributors.length === 0 ? 'unknown: no verified transcript' : `${ceremony.contributors.length}: ${ceremony.contributors.join(', ')}`],
                ['Circuits', ceremony.circuits.join(', ')],
                ['Transcript sha256 (pinned)', h('code', null, ceremony.transcriptSha256 ?? 'none')],
                ['Finished', ceremony.finishedAt ?? 'unknown'],
              ],
            }),
      ),
    ),
    // A demo has no transcript (one process played every party): its summary above says so.
    ceremony?.kind === 'distributed' ? h(CeremonyTranscript, { report: ceremony.transcript }) : null,
  );
}
