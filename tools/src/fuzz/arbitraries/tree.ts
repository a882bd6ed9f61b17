import fc from 'fast-check';

/**
 * Structure-aware mutations: a valid value (a decoded CBOR message, a parsed JSON document) with
 * one node changed: replaced by a value of another type or at a boundary, removed, nudged (a
 * number off by one, a string or byte string one too long), given an extra key, or wrapped deep.
 * Encoded again, the input passes the parser and reaches the field checks behind it, which random
 * bytes almost never do. `cbor` values may hold bigints and byte strings; `json` values may not.
 */

export type TreeMode = 'cbor' | 'json';

type Holder = Record<string, unknown> | unknown[];

interface NodeRef {
  readonly holder: Holder | null;
  readonly key: string | number;
  readonly value: unknown;
}

type Action =
  | { readonly kind: 'replace'; readonly with: unknown }
  | { readonly kind: 'delete' }
  | { readonly kind: 'add'; readonly key: string; readonly with: unknown }
  | { readonly kind: 'nudge'; readonly step: number }
  | { readonly kind: 'nest'; readonly depth: number };

interface TreeMutation {
  readonly at: number;
  readonly action: Action;
}

/** Keys that reach prototypes or common field names. */
const AWKWARD_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'length', 'type', 'kind', 'k', ''];

function leaves(mode: TreeMode): fc.Arbitrary<unknown> {
  const common: fc.Arbitrary<unknown>[] = [
    fc.constantFrom(0, -1, 1, 23, 24, 255, 256, 65_535, 65_536, 2 ** 31, 2 ** 32, Number.MAX_SAFE_INTEGER, 2 ** 53, -(2 ** 53), 1_000_001),
    fc.integer(),
    fc.double({ noNaN: mode === 'json', noDefaultInfinity: false }),
    fc.constantFrom('', 'x', 'prevote', 'groth16', '2026-11', '0', '00', '-1', '1e3', 'a'.repeat(65), '\u0000', '\ud800', 'é'.repeat(40), ...AWKWARD_KEYS),
    fc.string({ maxLength: 40 }),
    fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: 62, maxLength: 66 }),
    fc.constantFrom(null, true, false),
  ];
  if (mode === 'json') return fc.oneof(...common);
  return fc.oneof(
    ...common,
    fc.constantFrom(0n, -1n, 1n, 2n ** 64n, 2n ** 254n, 2n ** 256n, -(2n ** 64n)),
    fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n }),
    fc.oneof(fc.uint8Array({ maxLength: 40 }), fc.constantFrom(0, 31, 32, 33, 63, 64, 65).map((n) => new Uint8Array(n).fill(7))),
    fc.constant(undefined),
  );
}

/** A value for a replaced or added node: a leaf, or a small array or map of leaves. */
function replacement(mode: TreeMode): fc.Arbitrary<unknown> {
  const leaf = leaves(mode);
  return fc.oneof(
    { weight: 6, arbitrary: leaf },
    { weight: 1, arbitrary: fc.array(leaf, { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.dictionary(fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom(...AWKWARD_KEYS)), leaf, { maxKeys: 3 }) },
  );
}

function mutation(mode: TreeMode): fc.Arbitrary<TreeMutation> {
  const action: fc.Arbitrary<Action> = fc.oneof(
    { weight: 5, arbitrary: fc.record({ kind: fc.constant('replace' as const), with: replacement(mode) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const) }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('add' as const), key: fc.oneof(fc.constantFrom(...AWKWARD_KEYS), fc.string({ maxLength: 8 })), with: replacement(mode) }) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('nudge' as const), step: fc.constantFrom(-1, 1, 2, -2, 1_000) }) },
    // Past the project's nesting bound (32) and JSON's comfortable depths; byte mutations nest deeper, cheaply.
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('nest' as const), depth: fc.integer({ min: 1, max: 100 }) }) },
  );
  return fc.record({ at: fc.nat({ max: 1 << 16 }), action });
}

/** Every node of the tree, the root first (an explicit stack: no recursion on hostile depth). */
function nodesOf(root: unknown): NodeRef[] {
  const nodes: NodeRef[] = [{ holder: null, key: '', value: root }];
  for (let i = 0; i < nodes.length; i++) {
    const { value } = nodes[i]!;
    if (Array.isArray(value)) value.forEach((item, index) => nodes.push({ holder: value, key: index, value: item }));
    else if (isMap(value)) for (const [key, item] of Object.entries(value)) nodes.push({ holder: value, key, value: item });
  }
  return nodes;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

/** Own, enumerable, even for `__proto__` (which plain assignment would turn into a prototype change). */
function setOwn(holder: Holder, key: string | number, value: unknown): void {
  Object.defineProperty(holder, key, { value, enumerable: true, writable: true, configurable: true });
}

function nudged(value: unknown, step: number, mode: TreeMode): unknown {
  if (typeof value === 'number') return value + step;
  if (typeof value === 'bigint') return value + BigInt(step);
  if (typeof value === 'string') return step > 0 ? value + (value.at(-1) ?? 'a').repeat(step) : value.slice(0, Math.max(0, value.length + step));
  if (value instanceof Uint8Array) return step > 0 ? Uint8Array.from([...value, ...new Uint8Array(step).fill(1)]) : Uint8Array.prototype.slice.call(value, 0, Math.max(0, value.byteLength + step));
  if (Array.isArray(value)) {
    const items = value as unknown[];
    return step > 0 ? [...items, ...Array.from({ length: Math.min(step, 3) }, () => items.at(-1))] : items.slice(0, Math.max(0, items.length + step));
  }
  if (typeof value === 'boolean') return !value;
  return mode === 'cbor' ? 0 : '';
}

function applied(root: unknown, { at, action }: TreeMutation, mode: TreeMode): unknown {
  const nodes = nodesOf(root);
  const target = nodes[at % nodes.length]!;
  const put = (value: unknown) => {
    if (target.holder === null) return value;
    setOwn(target.holder, target.key, value);
    return root;
  };
  switch (action.kind) {
    case 'replace':
      return put(structuredClone(action.with));
    case 'nudge':
      return put(nudged(target.value, action.step, mode));
    case 'nest': {
      let wrapped = target.value;
      for (let i = 0; i < action.depth; i++) wrapped = [wrapped];
      return put(wrapped);
    }
    case 'add':
      // Copies: fast-check keeps the values it generated for shrinking and replay.
      if (Array.isArray(target.value)) target.value.push(structuredClone(action.with));
      else if (isMap(target.value)) setOwn(target.value, action.key, structuredClone(action.with));
      else return put(Object.defineProperty({}, action.key, { value: target.value, enumerable: true, writable: true, configurable: true }));
      return root;
    case 'delete':
      if (target.holder === null) return mode === 'cbor' ? undefined : null;
      if (Array.isArray(target.holder)) target.holder.splice(target.key as number, 1);
      else delete target.holder[target.key];
      return root;
  }
}

/** One to `maxMutations` structural mutations of a copy of one of `seeds`. */
export function mutatedTree(seeds: readonly unknown[], mode: TreeMode, maxMutations = 3): fc.Arbitrary<unknown> {
  return fc
    .tuple(fc.nat({ max: seeds.length - 1 }), fc.array(mutation(mode), { minLength: 1, maxLength: maxMutations }))
    .map(([index, mutations]) => mutations.reduce((value, m) => applied(value, m, mode), structuredClone(seeds[index])));
}
