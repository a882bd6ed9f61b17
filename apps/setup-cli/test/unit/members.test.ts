import { MAX_MEMBERS } from '@consortium/consensus';
import { describe, expect, it } from 'vitest';
import { InvalidMemberSelectionError } from '../../src/errors.js';
import { FOUNDING_MEMBER_COUNT, KNOWN_MEMBERS, firstMembers, generatedMember, memberDetailsOf, selectMembers } from '../../src/members.js';

describe('the member table', () => {
  it('starts with the five founding members of DESIGN.md, in order', () => {
    expect(KNOWN_MEMBERS.slice(0, FOUNDING_MEMBER_COUNT)).toEqual([
      { id: 'T-Mobile-DE', operator: 'Telekom Deutschland', tadig: 'DEUD1' },
      { id: 'Vodafone-UK', operator: 'Vodafone UK', tadig: 'GBRVF' },
      { id: 'Orange-FR', operator: 'Orange France', tadig: 'FRAF1' },
      { id: 'Telenor-NO', operator: 'Telenor Norway', tadig: 'NORTM' },
      { id: 'SFR-FR', operator: 'SFR', tadig: 'FRAF2' },
    ]);
    expect(KNOWN_MEMBERS.slice(FOUNDING_MEMBER_COUNT).map((member) => member.id)).toEqual(['Swisscom-CH', 'KPN-NL', 'Proximus-BE']);
  });

  it('has unique ids and TADIG codes', () => {
    expect(new Set(KNOWN_MEMBERS.map((member) => member.id)).size).toBe(KNOWN_MEMBERS.length);
    expect(new Set(KNOWN_MEMBERS.map((member) => member.tadig)).size).toBe(KNOWN_MEMBERS.length);
  });
});

describe('firstMembers', () => {
  it.each([1, 4, 5, 7, 8])('takes the first %i known members', (count) => {
    expect(firstMembers(count)).toEqual(KNOWN_MEMBERS.slice(0, count));
  });

  it('continues with generated members Member-9 ... after the table', () => {
    const members = firstMembers(MAX_MEMBERS);
    expect(members).toHaveLength(MAX_MEMBERS);
    expect(members[8]).toEqual({ id: 'Member-9', operator: 'Test Operator 9', tadig: 'ZZZ09' });
    expect(members[MAX_MEMBERS - 1]).toEqual({ id: `Member-${MAX_MEMBERS}`, operator: `Test Operator ${MAX_MEMBERS}`, tadig: `ZZZ${MAX_MEMBERS}` });
    expect(new Set(members.map((member) => member.tadig)).size).toBe(MAX_MEMBERS);
  });

  it('refuses 0 and more than MAX_MEMBERS', () => {
    expect(() => firstMembers(0)).toThrow(RangeError);
    expect(() => firstMembers(MAX_MEMBERS + 1)).toThrow(RangeError);
    expect(() => generatedMember(8)).toThrow(RangeError);
  });
});

describe('memberDetailsOf', () => {
  it('knows the table and the generated ids, nothing else', () => {
    expect(memberDetailsOf('Orange-FR')).toEqual({ id: 'Orange-FR', operator: 'Orange France', tadig: 'FRAF1' });
    expect(memberDetailsOf('Member-12')?.tadig).toBe('ZZZ12');
    for (const id of ['Elisa-FI', 'Member-8', 'Member-09', `Member-${MAX_MEMBERS + 1}`, 'orange-fr']) expect(memberDetailsOf(id)).toBeNull();
  });
});

describe('selectMembers (--members)', () => {
  it('reads a count', () => {
    expect(selectMembers('5').map((member) => member.id)).toEqual(['T-Mobile-DE', 'Vodafone-UK', 'Orange-FR', 'Telenor-NO', 'SFR-FR']);
    expect(selectMembers(' 9 ')).toHaveLength(9);
  });

  it('reads a list of ids, in the order given', () => {
    expect(selectMembers('Vodafone-UK, T-Mobile-DE,Member-10').map((member) => member.tadig)).toEqual(['GBRVF', 'DEUD1', 'ZZZ10']);
  });

  it.each([
    ['0', /1 to 32/],
    ['33', /got 33/],
    ['T-Mobile-DE,,Orange-FR', /empty entry/],
    ['T-Mobile-DE,Elisa-FI', /unknown member id Elisa-FI/],
    ['T-Mobile-DE,Orange-FR,T-Mobile-DE', /T-Mobile-DE listed more than once/],
  ])('refuses %j', (spec, message) => {
    expect(() => selectMembers(spec)).toThrow(InvalidMemberSelectionError);
    expect(() => selectMembers(spec)).toThrow(message);
  });
});
