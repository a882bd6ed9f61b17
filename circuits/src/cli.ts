// `npm run build:circuits -w circuits [-- names...]`: compiles circuits into build/circuits/<name>/
// (default: every circuit in the catalogue). Unchanged circuits are reused.
import { CIRCUITS, resolveCircuitNames } from './catalogue.js';
import { buildCircuit } from './build.js';

const selectors = process.argv.slice(2);
const names = selectors.length === 0 ? Object.keys(CIRCUITS) : selectors.flatMap((selector) => resolveCircuitNames(selector));
for (const name of names) {
  const started = performance.now();
  const built = await buildCircuit(name, { onStep: (step) => console.log(`… ${step}`) });
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const { constraints, params, domainPower, publicInputs } = built.manifest;
  const fill = (100 * (constraints + publicInputs.length)) / 2 ** domainPower;
  console.log(
    `✔ ${name}: ${constraints} constraints (${(constraints / params.batchSize).toFixed(1)} per record), ${fill.toFixed(1)}% of a 2^${domainPower} domain ` +
      `${built.cached ? '(unchanged)' : `in ${seconds} s`} -> ${built.dir}`,
  );
}
