import { readBinFile, readSection } from '@iden3/binfileutils';

/** A section of a snarkjs binary file (ptau, zkey), read whole, and a cursor over it that refuses to read past its end. */
export interface SectionCursor {
  readonly take: (bytes: number) => Uint8Array;
  readonly u32: () => number;
}

export async function readSectionCursor(file: string, type: 'ptau' | 'zkey', maxVersion: number, id: number, what: string): Promise<SectionCursor> {
  const { fd, sections } = await readBinFile(file, type, maxVersion);
  let section: Uint8Array;
  try {
    section = await readSection(fd, sections, id);
  } finally {
    await fd.close();
  }
  const view = new DataView(section.buffer, section.byteOffset, section.byteLength);
  let at = 0;
  const take = (bytes: number) => {
    if (at + bytes > section.byteLength) throw new Error(`${file}: ${what} end early (section ${id}, ${section.byteLength} bytes)`);
    const part = section.subarray(at, at + bytes);
    at += bytes;
    return part;
  };
  const u32 = () => {
    const offset = at;
    take(4);
    return view.getUint32(offset, true);
  };
  return { take, u32 };
}
