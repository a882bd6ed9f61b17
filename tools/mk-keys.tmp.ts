import { ensureTestKeys } from '@consortium/circuits';
const started = Date.now();
for (const name of ['settlement-61', 'settlement-344', 'settlement-1433']) {
  const keys = await ensureTestKeys(name);
  console.log(name, keys.zkeyPath, `${((Date.now() - started) / 1000).toFixed(0)} s`);
}
process.exit(0);
