import { alertRuleFiles } from './alerts.js';
import { grafanaFiles } from './grafana.js';
import type { DeployGenerator } from './generated-file.js';

/** Every generator of files under deploy/; `npm run deploy:generate` writes what they return. */
export const deployGenerators: readonly DeployGenerator[] = [() => alertRuleFiles(), () => grafanaFiles()];
