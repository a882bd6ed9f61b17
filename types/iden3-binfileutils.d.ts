// Types for the parts of @iden3/binfileutils 0.0.12 the project uses (it ships no declarations):
// the section-file format of snarkjs's ptau, zkey and r1cs files.
declare module '@iden3/binfileutils' {
  /** A fastfile file descriptor. */
  export interface BinFile {
    write(bytes: Uint8Array, position?: number): Promise<void>;
    close(): Promise<void>;
  }
  /** Per section id, where each section with that id starts (p) and its size in bytes. */
  export type Sections = { p: number; size: number }[][];
  export function readBinFile(fileName: string, type: string, maxVersion: number, cacheSize?: number, pageSize?: number): Promise<{ fd: BinFile; sections: Sections }>;
  export function createBinFile(fileName: string, type: string, version: number, nSections: number, cacheSize?: number, pageSize?: number): Promise<BinFile>;
  export function startWriteSection(fd: BinFile, idSection: number): Promise<void>;
  export function endWriteSection(fd: BinFile): Promise<void>;
  export function copySection(fdFrom: BinFile, sections: Sections, fdTo: BinFile, sectionId: number, size?: number): Promise<void>;
  export function readSection(fd: BinFile, sections: Sections, idSection: number, offset?: number, length?: number): Promise<Uint8Array>;
}
