import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { TargetsFileError } from '../errors.js';
import { DASHBOARD_LIMITS } from '../limits.js';

/**
 * The nodes the dashboard follows. Two files give them, in one shape: a devnet's endpoints.json
 * (written by `npm start`, format tools/src/launcher/endpoints.ts) and a --targets file for any
 * other deployment:
 *
 *   { "chainId": "...", "members": [ { "id", "tadig", "operator", "apiUrl", "metricsUrl"?,
 *     "tokens": { "observer": "<file with the member node's observer token>" } } ],
 *     "keysManifest"?: "<keys-manifest.json>", "ceremonyTranscript"?: "<transcript.json>" }
 *
 * `ceremonyTranscript` names the transcript of the ceremony that made the keys when it is not
 * `transcript.json` in the keys folder's parent (where a ceremony leaves it). Relative paths are
 * relative to the file. Members keep the file's (genesis) order.
 * `tokens.totals` (optional) names a token that shows the member's own statement totals (the
 * bilateral matrix) and the anomalies on its pairs, which its node shows its operators only;
 * with `totalsFrom: 'operator'` (a devnet) the operator token does.
 */

export interface Target {
  readonly id: string;
  readonly tadig: string;
  readonly operator: string;
  readonly apiUrl: string;
  readonly metricsUrl: string;
  /** The node's observer token, sent as `Authorization: Bearer` to its /v1 routes. */
  readonly observerToken: string;
  /**
   * A token that shows this member's own statement totals and its pairs' anomalies on its node
   * (an operator token), used only to GET the member's statements for the bilateral matrix and
   * its anomalies; null: the public view only (and no anomalies).
   */
  readonly totalsToken: string | null;
}

export interface Targets {
  readonly chainId: string;
  readonly members: readonly Target[];
  /** keys-manifest.json of the keys the chain uses (the ceremony summary), when known. */
  readonly keysManifestFile: string | null;
  /** The ceremony's transcript.json when the file names it; null: the keys folder's parent's, if any. */
  readonly ceremonyTranscriptFile: string | null;
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

function text(record: Record<string, unknown>, field: string, where: string): string {
  const value = record[field];
  if (typeof value !== 'string' || value === '') throw new TargetsFileError(`${where}: "${field}" must be a non-empty string`);
  return value;
}

function httpUrl(value: string, where: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TargetsFileError(`${where}: "${value}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TargetsFileError(`${where}: "${value}" is not an http(s) URL`);
  return value.replace(/\/+$/, '');
}

async function readToken(file: string, where: string): Promise<string> {
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch (error) {
    throw new TargetsFileError(`${where}: cannot read the observer token file ${file}: ${(error as Error).message}`);
  }
  const token = content.trim();
  if (token === '') throw new TargetsFileError(`${where}: the observer token file ${file} is empty`);
  return token;
}

export interface ReadTargetsOptions {
  /** Which token file shows a member's own totals: `totals` (a --targets file's choice) or `operator` (a devnet's). */
  readonly totalsFrom?: 'totals' | 'operator';
}

/** Reads and checks a targets (or endpoints.json) file; throws TargetsFileError naming the field at fault. */
export async function readTargets(file: string, options: ReadTargetsOptions = {}): Promise<Targets> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new TargetsFileError(`${file}: ${(error as Error).message}`);
  }
  if (!isRecord(json)) throw new TargetsFileError(`${file}: not a JSON object`);
  const base = dirname(file);
  const at = (path: string) => (isAbsolute(path) ? path : resolve(base, path));
  const chainId = text(json, 'chainId', file);
  const members = json['members'];
  if (!Array.isArray(members) || members.length === 0) throw new TargetsFileError(`${file}: "members" must be a non-empty list`);
  if (members.length > DASHBOARD_LIMITS.membersMax) throw new TargetsFileError(`${file}: ${members.length} members, at most ${DASHBOARD_LIMITS.membersMax}`);
  const targets: Target[] = [];
  for (const [index, member] of members.entries()) {
    const where = `${file}: members[${index}]`;
    if (!isRecord(member)) throw new TargetsFileError(`${where}: not an object`);
    const id = text(member, 'id', where);
    if (targets.some((target) => target.id === id)) throw new TargetsFileError(`${where}: member ${id} is listed twice`);
    const apiUrl = httpUrl(text(member, 'apiUrl', where), where);
    const tokens = member['tokens'];
    if (!isRecord(tokens)) throw new TargetsFileError(`${where}: "tokens" must name the observer token file`);
    targets.push({
      id,
      tadig: typeof member['tadig'] === 'string' ? member['tadig'] : '',
      operator: typeof member['operator'] === 'string' ? member['operator'] : id,
      apiUrl,
      metricsUrl: typeof member['metricsUrl'] === 'string' ? httpUrl(member['metricsUrl'], where) : `${apiUrl}/metrics`,
      observerToken: await readToken(at(text(tokens, 'observer', `${where}.tokens`)), where),
      totalsToken: typeof tokens[options.totalsFrom ?? 'totals'] === 'string' ? await readToken(at(tokens[options.totalsFrom ?? 'totals'] as string), where) : null,
    });
  }
  const manifest = json['keysManifest'];
  const transcript = json['ceremonyTranscript'];
  return { chainId, members: targets, keysManifestFile: typeof manifest === 'string' ? at(manifest) : null, ceremonyTranscriptFile: typeof transcript === 'string' ? at(transcript) : null };
}

/** Modification time of a file, null when it is absent. */
export async function modifiedMs(file: string): Promise<number | null> {
  try {
    return (await stat(file)).mtimeMs;
  } catch {
    return null;
  }
}
