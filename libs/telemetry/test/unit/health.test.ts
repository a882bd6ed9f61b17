import { describe, expect, it } from 'vitest';
import { DuplicateCheckError, HealthChecks } from '../../src/index.js';

describe('health and readiness', () => {
  it('reports liveness with the uptime', () => {
    expect(new HealthChecks(() => 12.7).liveness()).toEqual({ statusCode: 200, body: { status: 'ok', uptimeSeconds: 12 } });
  });

  it('is ready with no checks, and when every check passes', async () => {
    const health = new HealthChecks();
    expect((await health.readiness()).statusCode).toBe(200);
    health.addReadinessCheck('synced', () => ({ ok: true }));
    expect(await health.readiness()).toEqual({
      statusCode: 200,
      body: { status: 'ready', checks: [{ name: 'synced', ok: true }], failing: [] },
    });
  });

  it('names every failing check: false, thrown, rejected and timed out', async () => {
    const health = new HealthChecks(() => process.uptime(), 50);
    health.addReadinessCheck('synced', () => ({ ok: true }));
    health.addReadinessCheck('quorum', () => ({ ok: false, detail: '2 of 5 members connected, 4 needed' }));
    health.addReadinessCheck('store', () => {
      throw new Error('LevelDB is closed');
    });
    health.addReadinessCheck('artifacts', async () => Promise.reject(new Error('hash mismatch')));
    health.addReadinessCheck('slow', () => new Promise(() => {}));
    const { statusCode, body } = await health.readiness();
    expect(statusCode).toBe(503);
    expect(body.status).toBe('not_ready');
    expect(body.failing).toEqual(['quorum', 'store', 'artifacts', 'slow']);
    expect(body.checks.find((c) => c.name === 'store')?.detail).toBe('LevelDB is closed');
    expect(body.checks.find((c) => c.name === 'slow')?.detail).toBe('no answer within 50 ms');
  });

  it('refuses two checks with one name', () => {
    const health = new HealthChecks();
    health.addReadinessCheck('synced', () => ({ ok: true }));
    expect(() => health.addReadinessCheck('synced', () => ({ ok: true }))).toThrow(DuplicateCheckError);
  });
});
