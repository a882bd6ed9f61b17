import type { RunningMember } from '../../src/launcher/endpoints.js';

/** Members in devnet order (as consortium-setup lists them), for tests of what the launcher writes. */
export const DEVNET_MEMBERS = [
  { id: 'T-Mobile-DE', tadig: 'DEUD1', operator: 'Telekom Deutschland' },
  { id: 'Vodafone-UK', tadig: 'GBRVF', operator: 'Vodafone UK' },
  { id: 'Orange-FR', tadig: 'FRAF1', operator: 'Orange France' },
  { id: 'Telenor-NO', tadig: 'NORTM', operator: 'Telenor Norway' },
  { id: 'SFR-FR', tadig: 'FRAF2', operator: 'SFR' },
  { id: 'Swisscom-CH', tadig: 'CHEC1', operator: 'Swisscom' },
  { id: 'KPN-NL', tadig: 'NLDPT', operator: 'KPN' },
] as const;

/** The first `count` members running on `host`: p2p on 26600 + i, HTTP on 26700 + i, pid 4000 + i. */
export function runningMembers(count: number, host = '127.0.0.1'): RunningMember[] {
  return DEVNET_MEMBERS.slice(0, count).map((member, i) => ({
    member,
    config: { http: { host, port: 26_700 + i }, p2p: { listen: [`/ip4/127.0.0.1/tcp/${26_600 + i}`] }, dataDir: 'data' },
    pid: 4_000 + i,
  }));
}
