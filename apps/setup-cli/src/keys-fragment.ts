import { join } from 'node:path';
import { KeysFolderError } from './errors.js';
import { readTextFile } from './files.js';
import { genesisKeysFragmentProblem, KEYS_FOLDER_FILES, type GenesisKeysFragment } from './keys-folder.js';

/** Reads what a keys folder (from `ceremony demo`, or the ceremony's output) pins in genesis: its genesis-artifacts.json. */
export async function readGenesisKeysFragment(keysDir: string): Promise<GenesisKeysFragment> {
  const file = join(keysDir, KEYS_FOLDER_FILES.genesisArtifacts);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readTextFile(file));
  } catch (error) {
    throw new KeysFolderError(file, `cannot be read (${(error as Error).message})`);
  }
  const problem = genesisKeysFragmentProblem(parsed);
  if (problem !== null) throw new KeysFolderError(file, problem);
  return parsed as GenesisKeysFragment;
}
