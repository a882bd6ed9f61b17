import { resolve } from 'node:path';

/** The repository root: circuits/src (or circuits/dist) is two levels below it. */
export const REPOSITORY_ROOT = resolve(import.meta.dirname, '../..');
/** Where compiled circuits go: build/circuits/<name>/ (never committed). */
export const DEFAULT_BUILD_ROOT = resolve(REPOSITORY_ROOT, 'build/circuits');
export const CIRCUITS_SOURCE_ROOT = resolve(REPOSITORY_ROOT, 'circuits');
