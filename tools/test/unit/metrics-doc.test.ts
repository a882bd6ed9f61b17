import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { listCataloguedMetrics, listCataloguedSpans, type CataloguedMetric } from '@consortium/telemetry';
import { describe, expect, it } from 'vitest';
import { renderMetricsDoc } from '../../src/metrics-doc/render.js';

const committedDoc = () => readFile(resolve(import.meta.dirname, '../../../docs/metrics.md'), 'utf8');

describe('docs/metrics.md', () => {
  it('is exactly what the catalogue renders (run `npm run docs:metrics` when this fails)', async () => {
    expect(await committedDoc()).toBe(renderMetricsDoc(listCataloguedMetrics(), listCataloguedSpans()));
  });

  it('documents every catalogued metric by name', async () => {
    const doc = await committedDoc();
    const undocumented = listCataloguedMetrics().filter(({ definition }) => !doc.includes(`\`${definition.name}\``));
    expect(undocumented.map(({ definition }) => definition.name)).toEqual([]);
  });

  it('goes stale when a metric is added to the catalogue without regenerating', async () => {
    const added: CataloguedMetric = {
      area: 'security',
      key: 'newThingTotal',
      definition: { name: 'consortium_security_new_things_total', type: 'counter', unit: 'count', help: 'New.', labels: {} },
    };
    const rendered = renderMetricsDoc([...listCataloguedMetrics(), added], listCataloguedSpans());
    expect(rendered).toContain('`consortium_security_new_things_total`');
    expect(await committedDoc()).not.toBe(rendered);
  });

  it('documents every catalogued span by name', async () => {
    const doc = await committedDoc();
    expect(listCataloguedSpans().filter((span) => !doc.includes(`\`${span.name}\``))).toEqual([]);
  });

  it('lists label values and run-time bounds', () => {
    const doc = renderMetricsDoc(listCataloguedMetrics(), listCataloguedSpans());
    expect(doc).toContain('`outcome`: `success`, `missing_credentials`, `bad_credentials`, `unknown_client`, `expired_credentials`, `forbidden`');
    expect(doc).toContain('`interface`: network interfaces of the host (from /proc/net/dev) (at most 16)');
  });
});
