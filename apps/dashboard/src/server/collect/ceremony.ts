import { readFile } from 'node:fs/promises';
import type { ZkpView } from '../../protocol.js';

/**
 * The trusted-setup summary of the ZKP view, from the keys manifest (`keys-manifest.json`, format
 * `consortium-keys/1` of @consortium/zkp): a demo setup has one insecure party and no transcript;
 * a multi-party one names its ceremony. Null when there is no manifest to read.
 */
export async function readCeremony(manifestFile: string | null): Promise<ZkpView['ceremony']> {
  if (manifestFile === null) return null;
  let manifest: { format?: unknown; ceremony?: unknown; insecure?: unknown; createdAt?: unknown; circuits?: unknown; contributors?: unknown; transcriptSha256?: unknown };
  try {
    manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as typeof manifest;
  } catch {
    return null;
  }
  if (manifest.format !== 'consortium-keys/1') return null;
  const demo = manifest.insecure === true || manifest.ceremony === 'demo';
  return {
    kind: demo ? 'demo' : 'distributed',
    contributors: Array.isArray(manifest.contributors) ? manifest.contributors.filter((c): c is string => typeof c === 'string') : demo ? ['single-party demo (INSECURE)'] : [],
    circuits: typeof manifest.circuits === 'object' && manifest.circuits !== null ? Object.keys(manifest.circuits) : [],
    transcriptSha256: typeof manifest.transcriptSha256 === 'string' ? manifest.transcriptSha256 : null,
    finishedAt: typeof manifest.createdAt === 'string' ? manifest.createdAt : null,
  };
}
