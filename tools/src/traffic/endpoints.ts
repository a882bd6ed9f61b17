import { readFile } from 'node:fs/promises';
import { ENDPOINTS_FORMAT, type DevnetEndpoints } from '../launcher/endpoints.js';
import { SettlementApiClient, type SettlementClientOptions } from './client.js';
import { TrafficEndpointsError } from './errors.js';
import type { TrafficMember } from './plan.js';

/**
 * The consortium the generator drives, from `.devnet/endpoints.json` (written by `npm start`
 * once every node is ready): each member's API URL and its operator token, which acts for that
 * member on its own node and reads its private view.
 */

export interface MemberNode {
  readonly member: TrafficMember;
  readonly client: SettlementApiClient;
}

export async function readDevnetEndpoints(file: string): Promise<DevnetEndpoints> {
  let endpoints: DevnetEndpoints;
  try {
    endpoints = JSON.parse(await readFile(file, 'utf8')) as DevnetEndpoints;
  } catch (error) {
    throw new TrafficEndpointsError(file, `cannot read it (${(error as Error).message}); does a consortium run (npm start)?`);
  }
  const format: unknown = endpoints.format;
  if (format !== ENDPOINTS_FORMAT) throw new TrafficEndpointsError(file, `format ${JSON.stringify(format)}, expected ${ENDPOINTS_FORMAT}`);
  if (!Array.isArray(endpoints.members) || endpoints.members.length < 2) throw new TrafficEndpointsError(file, 'lists fewer than two members');
  return endpoints;
}

/** One client per member, in the file's (genesis) order, each with the member's operator token. */
export async function memberNodes(file: string, clientOptions: Omit<SettlementClientOptions, 'apiUrl' | 'token'> = {}): Promise<MemberNode[]> {
  const endpoints = await readDevnetEndpoints(file);
  return Promise.all(
    endpoints.members.map(async (member) => {
      const token = (await readFile(member.tokens.operator, 'utf8').catch((error: Error) => {
        throw new TrafficEndpointsError(file, `${member.id}'s operator token ${member.tokens.operator}: ${error.message}`);
      })).trim();
      return { member: { id: member.id, tadig: member.tadig }, client: new SettlementApiClient({ ...clientOptions, apiUrl: member.apiUrl, token }) };
    }),
  );
}
