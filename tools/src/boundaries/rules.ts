import type { IForbiddenRuleType } from 'dependency-cruiser';
import { LAYER_OF_PACKAGE, TELEMETRY_ONLY_MODULES, allowedDependencies } from './layers.js';

const escape = (path: string) => path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const PACKAGES = Object.keys(LAYER_OF_PACKAGE);

/** One rule per package: it may reach itself and the packages below it, nothing else. */
function layerRules(): IForbiddenRuleType[] {
  return PACKAGES.map((from) => {
    const allowed = [from, ...allowedDependencies(from)];
    return {
      name: `layers:${from}`,
      comment: `${from} may import only ${allowed.slice(1).join(', ') || 'no other package'} (docs/architecture.md)`,
      severity: 'error',
      from: { path: `^${escape(from)}/` },
      to: {
        path: `^(${PACKAGES.map(escape).join('|')})/`,
        pathNot: `^(${allowed.map(escape).join('|')})/`,
      },
    };
  });
}

export const BOUNDARY_RULES: IForbiddenRuleType[] = [
  ...layerRules(),
  {
    name: 'no-relative-import-across-packages',
    comment: 'import another package by its name (@consortium/x), never by a relative path into it',
    severity: 'error',
    from: { path: '^((libs|apps)/[^/]+|tools|circuits)/' },
    to: { dependencyTypes: ['local'], pathNot: '^$1/' },
  },
  {
    name: 'telemetry-owns-metrics',
    comment: 'metrics and spans come from the catalogue of @consortium/telemetry; only it imports prom-client and the OpenTelemetry SDK',
    severity: 'error',
    from: { path: '^(libs|apps)/', pathNot: '^libs/telemetry/' },
    to: { path: `node_modules/${TELEMETRY_ONLY_MODULES.slice(1)}` },
  },
  {
    name: 'no-unresolvable',
    comment: 'an import that does not resolve: a typo, a missing dependency, or a deep import past a package entry',
    severity: 'error',
    from: {},
    to: { couldNotResolve: true },
  },
];
