/**
 * The source of a circuit's `forging` build: what a dishonest prover's witness generator is.
 * A circom witness calculator stops at the first failed `===`, so it can only ever produce
 * honest witnesses; to test that the constraints (not the calculator) refuse a dishonest one, the
 * tests need every signal computed from inputs the circuit refuses. This build keeps every
 * signal, component and name of the circuit (so its values map one to one onto the real
 * circuit's wires by name) and drops:
 * - every `===` line of the circuit's own source (the rules under test), and
 * - the range assertion of circomlib's Num2Bits (`lc1 === in`), by using a copy without it: the
 *   bits are still the input's low bits, as the hint computes them.
 * Poseidon and IsZero assert nothing a hint could not satisfy, so they are used as they are.
 */
const UNCHECKED_NUM2BITS = `
// Forging build only: circomlib's Num2Bits without its range assertion (lc1 === in).
template UncheckedNum2Bits(n) {
    signal input in;
    signal output out[n];
    for (var i = 0; i < n; i++) {
        out[i] <-- (in >> i) & 1;
        out[i] * (out[i] - 1) === 0;
    }
}
`;

export function forgingSource(source: string): string {
  const lines = source.split('\n').map((line) => {
    const code = line.replace(/\/\/.*$/, '');
    return code.includes('===') ? `${/^\s*/.exec(line)?.[0] ?? ''}// forging build: ${line.trim()}` : line;
  });
  return `${lines.join('\n').replace(/\bNum2Bits\(/g, 'UncheckedNum2Bits(')}\n${UNCHECKED_NUM2BITS}`;
}
