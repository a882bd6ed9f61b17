import { describe, expect, it } from 'vitest';
import { classify, failures, formatDetails, formatSummary, slowestRuns, summarize } from '../../src/test-summary/summarize.js';

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

  it('names each failed test with the first line of its failure, and files that failed outside their tests', () => {
    const lines = failures([
      {
        testResults: [
          {
            name: '/r/tools/test/e2e/consortium-5.test.ts',
            status: 'failed',
            assertionResults: [
              { status: 'passed', fullName: 'commits' },
              { status: 'failed', fullName: 'a five-member consortium keeps committing', failureMessages: ['\nWaitTimeoutError: timed out after 180000 ms waiting for: x; last seen: y\n    at stack'] },
            ],
          },
          { name: '/r/libs/zkp/test/e2e/a.test.ts', status: 'failed', message: 'Error: Hook timed out in 300000ms.\nmore', assertionResults: [] },
        ],
      },
    ]);
    expect(lines).toEqual([
      'tools/test/e2e/consortium-5.test.ts > a five-member consortium keeps committing: WaitTimeoutError: timed out after 180000 ms waiting for: x; last seen: y',
      'libs/zkp/test/e2e/a.test.ts: Error: Hook timed out in 300000ms.',
    ]);
  });

  it('ranks the vitest runs by wall time, hooks included', () => {
    const reports = [
      { startTime: 1_000, testResults: [{ name: '/r/apps/setup-cli/test/e2e/a.test.ts', startTime: 300_000, endTime: 301_000, assertionResults: [] }] },
      { startTime: 5_000, testResults: [{ name: '/r/tools/test/unit/b.test.ts', startTime: 5_100, endTime: 9_950, assertionResults: [] }] },
    ];
    expect(slowestRuns(reports)).toEqual([
      { run: 'apps/setup-cli e2e', seconds: 300 },
      { run: 'tools unit', seconds: 5 },
    ]);
    expect(formatDetails(reports)).toContain('   300 s  apps/setup-cli e2e');
    expect(formatDetails(reports)).not.toContain('== failed');
  });
});
