import { describe, expect, it } from 'vitest';
import { InvalidMemberEntryError, MemberFileError } from '../../src/errors.js';
import { checkMemberEntry, memberEntryOf, parseMemberFileText } from '../../src/member-entry.js';
import { generateMemberKeys } from '../../src/member-keys.js';
import { memberDetailsOf } from '../../src/members.js';

describe('memberEntryOf', () => {
  it('has exactly the fields of a genesis member, in genesis order', async () => {
    const keys = await generateMemberKeys('T-Mobile-DE');
    const entry = memberEntryOf(memberDetailsOf('T-Mobile-DE')!, keys.publicKeys, 1);
    expect(Object.keys(entry)).toEqual(['id', 'operator', 'tadig', 'publicKey', 'peerId', 'votingPower']);
    expect(entry).toMatchObject({ id: 'T-Mobile-DE', operator: 'Telekom Deutschland', tadig: 'DEUD1', votingPower: 1 });
    expect(() => checkMemberEntry(entry)).not.toThrow();
  });
});

describe('checkMemberEntry', () => {
  it('names the option that set a bad field', async () => {
    const keys = await generateMemberKeys('x');
    const entry = memberEntryOf({ id: 'bad id', operator: ' ', tadig: 'DE1' }, keys.publicKeys, 0);
    let problems: readonly string[] = [];
    try {
      checkMemberEntry(entry);
    } catch (error) {
      expect(error).toBeInstanceOf(InvalidMemberEntryError);
      problems = (error as InvalidMemberEntryError).problems;
    }
    expect(problems.map((problem) => problem.split(':')[0])).toEqual(['--member', '--operator', '--tadig', '--voting-power']);
  });
});

describe('parseMemberFileText', () => {
  const entry = { id: 'T-Mobile-DE', operator: 'Telekom Deutschland', tadig: 'DEUD1', publicKey: 'ab'.repeat(32), peerId: '12D3KooW', votingPower: 1 };

  it('returns the object; values are left to the genesis check', () => {
    expect(parseMemberFileText(JSON.stringify(entry), 'a.member.json')).toEqual(entry);
  });

  it.each([
    ['not JSON', '{ id: 1', /is not JSON/],
    ['an array', '[]', /one JSON object/],
    ['an unknown field', JSON.stringify({ ...entry, voting_power: 1 }), /unknown field voting_power/],
  ])('refuses %s', (_what, text, message) => {
    expect(() => parseMemberFileText(text, 'a.member.json')).toThrow(MemberFileError);
    expect(() => parseMemberFileText(text, 'a.member.json')).toThrow(message);
  });

  it('refuses a key file sent by mistake, without repeating the key', () => {
    const secret = 'cd'.repeat(32);
    const text = JSON.stringify({ memberId: 'T-Mobile-DE', publicKey: 'ab'.repeat(32), privateKey: secret });
    let error: unknown;
    try {
      parseMemberFileText(text, 'T-Mobile-DE.member.json');
    } catch (thrown) {
      error = thrown;
    }
    expect(error).toBeInstanceOf(MemberFileError);
    expect((error as MemberFileError).message).toMatch(/holds a private key/);
    expect(`${(error as MemberFileError).message} ${(error as MemberFileError).nextStep}`).not.toContain(secret);
  });
});
