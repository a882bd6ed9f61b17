import { describe, expect, it } from 'vitest';
import { findTopicGaps, listCataloguedMetrics, METRIC_TOPICS, type MetricTopic } from '../../src/index.js';

/** The catalogue answers every question of issue 9's "Metrics" section, with the labels each needs. */
describe('the catalogue covers the areas operators asked for', () => {
  it('has metrics, with the labels they need, for every topic', () => {
    expect(findTopicGaps()).toEqual([]);
  });

  it('lists the five areas and their topics', () => {
    const topics = (area: string) => METRIC_TOPICS.filter((t) => t.area === area).map((t) => t.topic);
    expect(topics('blockchain health')).toEqual(['height', 'block interval', 'transactions', 'rounds per height', 'missed votes per validator', 'P2P connectivity', 'P2P traffic']);
    expect(topics('security')).toEqual(['authentication attempts by outcome', 'rate limiting', 'refused peers', 'invalid messages', 'invalid proofs', 'equivocations']);
    expect(topics('resources')).toEqual(['CPU', 'memory', 'heap', 'event loop', 'disk of the data dir', 'network bytes']);
    expect(topics('zkp operations').length).toBeGreaterThan(0);
    expect(topics('settlement processing').length).toBeGreaterThan(0);
  });

  it('finds a topic left without its metric, a metric without the label a topic needs, and a wrong type', () => {
    const withoutMissedBlocks = listCataloguedMetrics().filter(({ definition }) => definition.name !== 'consortium_consensus_missed_blocks_total');
    expect(findTopicGaps(METRIC_TOPICS, withoutMissedBlocks)).toEqual(['blockchain health / missed votes per validator: consortium_consensus_missed_blocks_total is not in the catalogue']);

    const unlabelled = listCataloguedMetrics().map((metric) =>
      metric.definition.name === 'consortium_consensus_missed_blocks_total' ? { ...metric, definition: { ...metric.definition, labels: {} } } : metric,
    );
    expect(findTopicGaps(METRIC_TOPICS, unlabelled)).toEqual(['blockchain health / missed votes per validator: consortium_consensus_missed_blocks_total has no label member']);

    const asked: MetricTopic[] = [
      { area: 'security', topic: 'invalid proofs', metrics: [{ name: 'consortium_security_invalid_messages_total', type: 'gauge', labels: { kind: ['invalid_proof', 'forged'] } }] },
      { area: 'resources', topic: 'nothing', metrics: [] },
    ];
    expect(findTopicGaps(asked)).toEqual([
      'security / invalid proofs: consortium_security_invalid_messages_total is a counter, not a gauge',
      'security / invalid proofs: consortium_security_invalid_messages_total: label kind lacks forged',
      'resources / nothing: no metric covers it',
    ]);
  });
});
