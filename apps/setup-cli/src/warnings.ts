/**
 * snarkjs's check of a proving key (`zKey.verifyFromInit`) leaves a file handle to the garbage
 * collector, and Node then prints "Warning: Closing file descriptor N on garbage collection" into
 * the middle of a ceremony's progress, once per check: harmless (the collector closes it, and the
 * file was only read), but it reads like a fault to an operator watching the ceremony. Those are
 * dropped, with Node's deprecation notice of the same (DEP0137); every other warning reaches
 * Node's own printer as before.
 */

const FILE_HANDLE_CLOSED_BY_GC = /^Closing file descriptor \d+ on garbage collection$/;
/** Node's deprecation of the same (once per process): "Closing a FileHandle object on garbage collection is deprecated". */
const FILE_HANDLE_GC_DEPRECATION = 'DEP0137';

export function isFileHandleClosedByGc(warning: Error & { readonly code?: string }): boolean {
  return FILE_HANDLE_CLOSED_BY_GC.test(warning.message) || warning.code === FILE_HANDLE_GC_DEPRECATION;
}

/** Puts the filter in front of the process's warning listeners (Node's printer among them). */
export function dropFileHandleGcWarnings(target: NodeJS.Process = process): void {
  const printers = target.listeners('warning');
  target.removeAllListeners('warning');
  target.on('warning', (warning: Error) => {
    if (isFileHandleClosedByGc(warning)) return;
    for (const print of printers) print(warning);
  });
}
