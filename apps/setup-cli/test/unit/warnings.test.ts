import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { isFileHandleClosedByGc } from '../../src/warnings.js';

const run = promisify(execFile);
const warningsModule = resolve(import.meta.dirname, '../../src/warnings.ts');

describe('the warning filter', () => {
  it('knows the file handle warning by its text alone', () => {
    expect(isFileHandleClosedByGc(new Error('Closing file descriptor 41 on garbage collection'))).toBe(true);
    expect(isFileHandleClosedByGc(new Error('Closing file descriptor 41 on garbage collection, and more'))).toBe(false);
    expect(isFileHandleClosedByGc(new Error('Possible EventEmitter memory leak detected'))).toBe(false);
    expect(isFileHandleClosedByGc(Object.assign(new Error('Closing a FileHandle object on garbage collection is deprecated.'), { code: 'DEP0137' }))).toBe(true);
  });

  it("drops it in a real process, and Node still prints every other warning", async () => {
    const script = [
      `const { dropFileHandleGcWarnings } = await import(${JSON.stringify(warningsModule)});`,
      'dropFileHandleGcWarnings();',
      "process.emitWarning('Closing file descriptor 41 on garbage collection');",
      "process.emitWarning('Closing a FileHandle object on garbage collection is deprecated.', { type: 'DeprecationWarning', code: 'DEP0137' });",
      "process.emitWarning('something else the operator should see', 'ExperimentalWarning');",
    ].join('\n');
    const { stderr } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script]);
    expect(stderr).not.toContain('Closing file descriptor');
    expect(stderr).not.toContain('DEP0137');
    expect(stderr).toContain('ExperimentalWarning: something else the operator should see');
  });
});
