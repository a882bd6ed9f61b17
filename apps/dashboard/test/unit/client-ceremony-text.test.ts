import { describe, expect, it } from 'vitest';
import { attestationLine, attestationWarning, membersLine, policyLine, stepLabel, stepNote, transcriptWarning } from '../../src/client/ceremony-text.js';
import { shortHash } from '../../src/client/format.js';
import { FIXTURE_SKIP_REASON, makeTranscriptReport, memberIds } from '../support/snapshot-fixture.js';

const members = memberIds(4);
const report = makeTranscriptReport(members, Date.parse('2026-11-28T10:00:00Z'));

describe("the ceremony transcript's wording (ZKP view)", () => {
  it('shortens a hash to 12 digits and leaves a short one alone', () => {
    expect(shortHash('0781f2f96ce2fe651810c7b01cdd3b2cd361dcb66b7b4757de5b3fd6303f262d')).toBe('0781f2f96ce2…');
    expect(shortHash('abc')).toBe('abc');
  });

  it('says who attested, n of m, and who has not yet', () => {
    expect(attestationLine(report)).toBe(`Attested by 4 of 4 members: ${members.join(', ')}.`);
    expect(attestationLine({ ...report, attestedBy: members.slice(0, 3) })).toBe(`Attested by 3 of 4 members: ${members.slice(0, 3).join(', ')}; not yet: ${members[3]}.`);
    expect(attestationLine({ ...report, attestedBy: [] })).toBe(`Attested by 0 of 4 members; not yet: ${members.join(', ')}.`);
    expect(attestationWarning(report)).toBeNull();
    expect(attestationWarning({ ...report, attestationProblem: 'Orange-FR has not attested the final hashes' })).toBe('Not every member attested these keys: Orange-FR has not attested the final hashes.');
  });

  it('warns in words about a transcript that is not the keys\' or does not check, never about a verified one', () => {
    expect(transcriptWarning(report)).toBeNull();
    expect(transcriptWarning({ status: 'mismatch', sha256: 'cd'.repeat(32), pinnedSha256: 'ab'.repeat(32) })).toBe(
      "The transcript found (sha256 cdcdcdcdcdcd…) is not the one the keys' genesis fragment pins (abababababab…): it is not shown as this ceremony's.",
    );
    expect(transcriptWarning({ status: 'mismatch', sha256: 'cd'.repeat(32), pinnedSha256: null })).toBe(
      "The transcript found (sha256 cdcdcdcdcdcd…) is not shown: the keys' genesis fragment pins no transcript, so nothing ties it to these keys.",
    );
    expect(transcriptWarning({ status: 'invalid', sha256: null, problem: 'transcript entry 2: bad' })).toBe("The ceremony's transcript does not check: transcript entry 2: bad.");
  });

  it('names the plan: members in order with the coordinator, the time limit and its policy', () => {
    expect(membersLine(report.plan)).toBe(`${members[0]} (coordinator), ${members.slice(1).join(', ')}`);
    expect(policyLine(report.plan)).toBe('1 h 0 min per contribution; a member who does not contribute in time is skipped.');
    expect(policyLine({ ...report.plan, contributionTimeLimitMs: 600_000, onMissingContribution: 'abort' })).toBe('10 min 0 s per contribution; a member who does not contribute in time aborts the ceremony.');
  });

  it('labels each step and notes a skip\'s reason and the beacon', () => {
    const steps = report.lanes[2]!.steps;
    expect(steps.map((step) => stepLabel(step))).toEqual(['opened by the coordinator', 'contributed', 'contributed', 'contributed', 'skipped', 'closed with the beacon']);
    expect(steps.map((step) => stepNote(step))).toEqual(['', '', '', '', FIXTURE_SKIP_REASON, 'beacon bebebebebebe…']);
  });
});
