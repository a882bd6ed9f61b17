import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cruise, type ICruiseResult } from 'dependency-cruiser';
import { BOUNDARY_RULES } from './rules.js';

export interface BoundaryViolation {
  readonly rule: string;
  readonly from: string;
  readonly to: string;
  readonly comment: string;
}

/** Where source lives in each package; dist/ and build/ are outputs, never inputs. */
const SCANNED = ['libs', 'apps', 'tools', 'circuits/src', 'circuits/test'];

/**
 * Runs the boundary rules over a workspace (the repository, or a fixture shaped like it).
 * Workspace packages resolve through node_modules to their TypeScript sources, as in tests.
 */
export async function checkBoundaries(workspaceRoot: string): Promise<BoundaryViolation[]> {
  const output = await cruise(
      SCANNED.filter((dir) => existsSync(join(workspaceRoot, dir))),
      {
        // Paths are reported and matched relative to the workspace root.
        baseDir: workspaceRoot,
        ruleSet: { forbidden: BOUNDARY_RULES },
        // Per-package vitest.config.ts files import the root vitest.shared.ts on purpose.
        exclude: { path: '(^|/)(dist|build|coverage)/|(^|/)vitest\\.config\\.ts$' },
        doNotFollow: { path: 'node_modules' },
        tsPreCompilationDeps: true,
        validate: true,
      },
      {
      conditionNames: ['@consortium/source', 'import', 'node', 'default'],
      exportsFields: ['exports'],
      extensions: ['.ts', '.js', '.mjs', '.json'],
    },
    );
    const result = output.output as ICruiseResult;
    const comments = new Map(BOUNDARY_RULES.map((rule) => [rule.name, rule.comment ?? '']));
    return (result.summary.violations ?? []).map((violation) => ({
      rule: violation.rule.name,
      from: violation.from,
      to: violation.to,
      comment: comments.get(violation.rule.name) ?? '',
    }));
}
