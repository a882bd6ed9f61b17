import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportingEquivocations } from '../../src/security/consensus-events.js';
import { startApiFixture, type ApiFixture } from '../support/api-fixture.js';

let api: ApiFixture;
beforeAll(async () => {
  api = await startApiFixture();
});
afterAll(async () => {
  await api?.close();
});

describe('equivocation as a security event', () => {
  it('counts as before and also writes a public security event naming the member', async () => {
    const security = reportingEquivocations(api.telemetry.metrics.security, api.events);
    security.equivocationsTotal.inc({ member: 'T-Mobile-DE', message: 'prevote' });
    security.equivocationsTotal.labels({ member: 'SFR-FR', message: 'proposal' }).inc();
    const page = await api.telemetry.registry.metrics();
    expect(page).toMatch(/consortium_security_equivocations_total\{member="T-Mobile-DE",message="prevote"\} 1/);
    expect(page).toMatch(/consortium_security_equivocations_total\{member="SFR-FR",message="proposal"\} 1/);
    expect(page).toMatch(/consortium_security_events_total\{kind="equivocation"\} 2/);
    expect((await api.securityLogLines()).map(({ kind, who, where, audience }) => ({ kind, who, where, audience }))).toEqual([
      { kind: 'equivocation', who: { member: 'T-Mobile-DE' }, where: { protocol: 'consensus' }, audience: { scope: 'public' } },
      { kind: 'equivocation', who: { member: 'SFR-FR' }, where: { protocol: 'consensus' }, audience: { scope: 'public' } },
    ]);
    // The other security metrics are the same objects.
    expect(security.authAttemptsTotal).toBe(api.telemetry.metrics.security.authAttemptsTotal);
  });
});
