import { describe, expect, it } from 'vitest';
import { classify, formatSummary, summarize } from '../../src/test-summary/summarize.js';

describe('test summary', () => {
  it('classifies test files by package and suite', () => {
    expect(classify('/repo/libs/telemetry/test/e2e/promtool.test.ts')).toEqual({ package: 'libs/telemetry', suite: 'e2e' });
    expect(classify('/repo/tools/test/unit/boundaries.test.ts')).toEqual({ package: 'tools', suite: 'unit' });
    expect(classify('/repo/elsewhere/x.test.ts')).toBeNull();
  });

  it('adds up passed, failed and skipped tests per package and suite', () => {
    const rows = summarize([
      {
        testResults: [
          { name: '/r/libs/zkp/test/unit/a.test.ts', assertionResults: [{ status: 'passed', fullName: 'a' }, { status: 'failed', fullName: 'b' }] },
          { name: '/r/libs/zkp/test/unit/b.test.ts', assertionResults: [{ status: 'skipped', fullName: 'c' }] },
        ],
      },
      { testResults: [{ name: '/r/libs/zkp/test/e2e/c.test.ts', assertionResults: [{ status: 'passed', fullName: 'd' }] }] },
    ]);
    expect(rows).toEqual([
      { package: 'libs/zkp', suite: 'e2e', files: 1, passed: 1, failed: 0, skipped: 0 },
      { package: 'libs/zkp', suite: 'unit', files: 2, passed: 1, failed: 1, skipped: 1 },
    ]);
    const text = formatSummary(rows, 42);
    expect(text).toMatch(/total\s+3\s+2\s+1\s+1/);
    expect(text).toContain('elapsed: 42 s');
  });
});
