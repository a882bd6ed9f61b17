import { copyFile, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { CeremonyFileError } from '../errors.js';
import { sha256OfFile } from '../files/hashing.js';
import { CHUNK_BYTES, decodeChunk, encodeRequest, type ServedFile } from './messages.js';
import type { CeremonyTransport } from './transport.js';

/**
 * The files a party serves (chunks by sha256) and how it fetches one from another. A party
 * serves only the files of its ceremony folder with these extensions: nothing else of the
 * machine, and never the secret of a contribution (which never touches disk).
 */

const SERVED_EXTENSIONS = ['.ptau', '.zkey', '.r1cs', '.wasm', '.json'];
/** Scratch space for files on their way in (a crash leaves only a `.part`). */
const INCOMING_DIR = 'incoming';
/** A relative path inside a ceremony folder, as a peer may name it: no `..`, no absolute path. */
const SAFE_PATH = /^(?!.*(?:^|\/)\.\.?(?:\/|$))[A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)*$/;

export function isSafeRelativePath(path: string): boolean {
  return SAFE_PATH.test(path) && path.length <= 200;
}

/** The files of a folder with their hashes; a file's hash is computed once per (size, mtime). */
export class FileIndex {
  private readonly known = new Map<string, { readonly size: number; readonly mtimeMs: number; readonly sha256: string }>();
  private bySha = new Map<string, ServedFile>();
  /** Every file, two with the same bytes included (an imported phase 1 that came prepared is also phase 2's powers of tau). */
  private files: readonly ServedFile[] = [];

  constructor(
    private readonly dir: string,
    /** Sub-folders left out of the listing (keys/ is listed apart; incoming/ is scratch). */
    private readonly exclude: readonly string[] = [INCOMING_DIR],
  ) {}

  /** Re-reads the folder (call after a step wrote a file). */
  async refresh(): Promise<readonly ServedFile[]> {
    const entries = await readdir(this.dir, { recursive: true, withFileTypes: true }).catch(() => []);
    const files: ServedFile[] = [];
    for (const entry of entries) {
      if (!entry.isFile() || !SERVED_EXTENSIONS.some((extension) => entry.name.endsWith(extension))) continue;
      const absolute = join(entry.parentPath, entry.name);
      const path = relative(this.dir, absolute).split(sep).join('/');
      if (this.exclude.some((folder) => path.startsWith(`${folder}/`)) || !isSafeRelativePath(path)) continue;
      const info = await stat(absolute);
      let cached = this.known.get(path);
      if (cached === undefined || cached.size !== info.size || cached.mtimeMs !== info.mtimeMs) {
        cached = { size: info.size, mtimeMs: info.mtimeMs, sha256: await sha256OfFile(absolute) };
        this.known.set(path, cached);
      }
      files.push({ sha256: cached.sha256, size: cached.size, path });
    }
    files.sort((a, b) => a.path.localeCompare(b.path));
    this.bySha = new Map(files.map((file) => [file.sha256, file]));
    this.files = files;
    return files;
  }

  list(): readonly ServedFile[] {
    return this.files;
  }

  find(sha256: string): ServedFile | undefined {
    return this.bySha.get(sha256);
  }

  absolute(file: ServedFile): string {
    return join(this.dir, file.path);
  }

  /** Up to CHUNK_BYTES of the file with this hash from `offset`; undefined when this party has no such file. */
  async chunk(sha256: string, offset: number): Promise<Uint8Array | undefined> {
    const file = this.bySha.get(sha256);
    if (file === undefined) return undefined;
    const length = Math.max(0, Math.min(CHUNK_BYTES, file.size - offset));
    const handle = await open(this.absolute(file), 'r');
    try {
      const buffer = new Uint8Array(length);
      const { bytesRead } = await handle.read(buffer, 0, length, offset);
      return buffer.subarray(0, bytesRead);
    } finally {
      await handle.close();
    }
  }
}

export interface FetchOptions {
  readonly transport: CeremonyTransport;
  /** The member that has the file. */
  readonly from: string;
  readonly sha256: string;
  readonly size: number;
  /** Where the file goes (the folder's incoming/ holds it until it is whole and its hash checked). */
  readonly into: string;
  readonly incomingDir: string;
  readonly requestTimeoutMs: number;
  readonly onBytes?: ((received: number, total: number) => void) | undefined;
  /** A local file that may already have the bytes (a copy instead of a download). */
  readonly localCopy?: string | undefined;
}

/**
 * Fetches a file chunk by chunk into `into`: written to a `.part` file, its sha256 checked
 * against the hash asked for, then renamed, so a file under its real name is always whole and
 * what it claims to be. A peer that sends more or other bytes than announced is refused.
 */
export async function fetchFile(options: FetchOptions): Promise<void> {
  const { transport, from, sha256, size, into } = options;
  if (options.localCopy !== undefined && (await sha256OfFile(options.localCopy).catch(() => null)) === sha256) {
    await mkdir(dirname(into), { recursive: true });
    if (options.localCopy !== into) await copyFile(options.localCopy, into);
    return;
  }
  await mkdir(options.incomingDir, { recursive: true });
  const part = join(options.incomingDir, `${sha256}.part`);
  const handle = await open(part, 'w');
  try {
    let offset = 0;
    while (offset < size) {
      const chunk = decodeChunk(await transport.request(from, 'ceremony', encodeRequest({ type: 'chunk', sha256, offset }), options.requestTimeoutMs));
      if (chunk.length === 0 || offset + chunk.length > size) throw new CeremonyFileError(into, `${from} sent ${chunk.length === 0 ? 'no bytes' : 'more bytes than announced'} at offset ${offset} of ${size}`);
      await handle.write(chunk, 0, chunk.length, offset);
      offset += chunk.length;
      options.onBytes?.(offset, size);
    }
  } finally {
    await handle.close();
  }
  const got = await sha256OfFile(part);
  if (got !== sha256) {
    await rm(part, { force: true });
    throw new CeremonyFileError(into, `the file ${from} sent has sha256 ${got.slice(0, 16)}…, not the ${sha256.slice(0, 16)}… asked for`);
  }
  await mkdir(dirname(into), { recursive: true });
  await rename(part, into);
}

export const incomingDirOf = (dir: string): string => join(dir, INCOMING_DIR);
