import { consortiumVitestConfig } from '../../vitest.shared.ts';

export default consortiumVitestConfig(import.meta.dirname);
