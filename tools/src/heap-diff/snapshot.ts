/**
 * V8 heap snapshots (.heapsnapshot, as `--heapsnapshot-signal`, `v8.writeHeapSnapshot` or the
 * inspector write them) read into flat typed arrays, and the two comparisons the soak's heap
 * question needs: what grew by constructor (count and bytes), and which surviving object holds
 * the objects that are new in the later snapshot.
 *
 * Both snapshots must come from the same process: V8 keeps an object's snapshot id for its life
 * (across moves by the GC), so an id present in both is the same object, and an id only in the
 * later one was allocated in between (and survived the full GC that precedes every snapshot).
 */

/** The parts of the .heapsnapshot JSON this reads (the format V8 documents in its meta block). */
interface HeapSnapshotJson {
  readonly snapshot: {
    readonly meta: {
      readonly node_fields: readonly string[];
      readonly node_types: readonly [readonly string[], ...unknown[]];
      readonly edge_fields: readonly string[];
      readonly edge_types: readonly [readonly string[], ...unknown[]];
    };
    readonly node_count: number;
  };
  readonly nodes: readonly number[];
  readonly edges: readonly number[];
  readonly strings: readonly string[];
}

export interface HeapSnapshot {
  readonly nodeCount: number;
  readonly nodeTypeNames: readonly string[];
  readonly edgeTypeNames: readonly string[];
  readonly strings: readonly string[];
  /** Per node: index into nodeTypeNames, index into strings, snapshot id, self size, first edge. */
  readonly nodeType: Uint8Array;
  readonly nodeName: Uint32Array;
  readonly nodeId: Float64Array;
  readonly selfSize: Float64Array;
  /** Edges of node i are firstEdge[i] .. firstEdge[i + 1] - 1. */
  readonly firstEdge: Uint32Array;
  readonly edgeType: Uint8Array;
  /** A string index, or an element index for element and hidden edges. */
  readonly edgeName: Uint32Array;
  /** The node an edge points to, as a node index (not the JSON's field offset). */
  readonly edgeTo: Uint32Array;
}

/** Reads a snapshot's JSON text into typed arrays (the JSON arrays are dropped with the text). */
export function parseHeapSnapshot(text: string): HeapSnapshot {
  const json = JSON.parse(text) as HeapSnapshotJson;
  const meta = json.snapshot.meta;
  const nodeFields = meta.node_fields.length;
  const field = (name: string) => {
    const index = meta.node_fields.indexOf(name);
    if (index < 0) throw new Error(`the snapshot's nodes have no ${name} field`);
    return index;
  };
  const [typeField, nameField, idField, sizeField, edgeCountField] = ['type', 'name', 'id', 'self_size', 'edge_count'].map(field) as [number, number, number, number, number];
  const edgeFields = meta.edge_fields.length;
  const [edgeTypeField, edgeNameField, edgeToField] = ['type', 'name_or_index', 'to_node'].map((name) => meta.edge_fields.indexOf(name)) as [number, number, number];
  const nodeCount = json.nodes.length / nodeFields;
  const edgeCount = json.edges.length / edgeFields;
  const nodeType = new Uint8Array(nodeCount);
  const nodeName = new Uint32Array(nodeCount);
  const nodeId = new Float64Array(nodeCount);
  const selfSize = new Float64Array(nodeCount);
  const firstEdge = new Uint32Array(nodeCount + 1);
  let edgeIndex = 0;
  for (let i = 0; i < nodeCount; i++) {
    const base = i * nodeFields;
    nodeType[i] = json.nodes[base + typeField]!;
    nodeName[i] = json.nodes[base + nameField]!;
    nodeId[i] = json.nodes[base + idField]!;
    selfSize[i] = json.nodes[base + sizeField]!;
    firstEdge[i] = edgeIndex;
    edgeIndex += json.nodes[base + edgeCountField]!;
  }
  firstEdge[nodeCount] = edgeIndex;
  if (edgeIndex !== edgeCount) throw new Error(`the snapshot's nodes count ${edgeIndex} edges, its edge array holds ${edgeCount}`);
  const edgeType = new Uint8Array(edgeCount);
  const edgeName = new Uint32Array(edgeCount);
  const edgeTo = new Uint32Array(edgeCount);
  for (let e = 0; e < edgeCount; e++) {
    const base = e * edgeFields;
    edgeType[e] = json.edges[base + edgeTypeField]!;
    edgeName[e] = json.edges[base + edgeNameField]!;
    edgeTo[e] = json.edges[base + edgeToField]! / nodeFields;
  }
  return {
    nodeCount,
    nodeTypeNames: meta.node_types[0],
    edgeTypeNames: meta.edge_types[0],
    strings: json.strings,
    nodeType,
    nodeName,
    nodeId,
    selfSize,
    firstEdge,
    edgeType,
    edgeName,
    edgeTo,
  };
}

/**
 * What a node counts as: its constructor for objects and closures ("Map", "SettlementApplication",
 * "Object"), its kind in parentheses for the rest ("(string)", "(bigint)", "(array) (object
 * elements)"): string nodes are named by their text, which must not split a group.
 */
export function groupOf(snapshot: HeapSnapshot, node: number): string {
  const type = snapshot.nodeTypeNames[snapshot.nodeType[node]!]!;
  const name = snapshot.strings[snapshot.nodeName[node]!]!;
  switch (type) {
    case 'object':
    case 'native':
      return name;
    case 'closure':
      return `(closure) ${name || '(anonymous)'}`;
    case 'number':
      return '(heap number)';
    case 'string':
    case 'concatenated string':
    case 'sliced string':
    case 'bigint':
    case 'symbol':
    case 'regexp':
      return `(${type})`;
    case 'code':
      return '(code)';
    default:
      // array, hidden, synthetic, object shape: named by what V8 calls them ("(object elements)", "system / Context").
      return `(${type}) ${name.length > 60 ? `${name.slice(0, 57)}...` : name}`;
  }
}

export interface GroupTotals {
  readonly group: string;
  readonly countBefore: number;
  readonly countAfter: number;
  readonly bytesBefore: number;
  readonly bytesAfter: number;
}

function totalsByGroup(snapshot: HeapSnapshot): Map<string, { count: number; bytes: number }> {
  const totals = new Map<string, { count: number; bytes: number }>();
  for (let node = 0; node < snapshot.nodeCount; node++) {
    const group = groupOf(snapshot, node);
    const entry = totals.get(group) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += snapshot.selfSize[node]!;
    totals.set(group, entry);
  }
  return totals;
}

/** Count and self size of every group in both snapshots, largest byte growth first. */
export function diffByGroup(before: HeapSnapshot, after: HeapSnapshot): GroupTotals[] {
  const a = totalsByGroup(before);
  const b = totalsByGroup(after);
  const rows: GroupTotals[] = [];
  for (const group of new Set([...a.keys(), ...b.keys()])) {
    rows.push({ group, countBefore: a.get(group)?.count ?? 0, countAfter: b.get(group)?.count ?? 0, bytesBefore: a.get(group)?.bytes ?? 0, bytesAfter: b.get(group)?.bytes ?? 0 });
  }
  return rows.sort((x, y) => y.bytesAfter - y.bytesBefore - (x.bytesAfter - x.bytesBefore));
}

export interface NewObjectsHolder {
  /** The surviving object (present in both snapshots) the new objects hang from. */
  readonly holder: number;
  readonly holderGroup: string;
  /** The shortest path from the snapshot's root to the holder: `Owner.edge` steps. */
  readonly path: string;
  readonly newCount: number;
  readonly newBytes: number;
  /** The new objects' groups under this holder, most bytes first. */
  readonly byGroup: readonly { readonly group: string; readonly count: number; readonly bytes: number }[];
}

const WEAK_EDGE = 'weak';

/**
 * The objects allocated between the snapshots, grouped by the surviving object that holds them:
 * the shortest strong path from the root (breadth first, weak edges skipped, as DevTools' retainer
 * distances) to each new object, walked back to the nearest object the earlier snapshot already
 * had. A map that gains entries shows as the map (its hash table is reallocated as it grows, so
 * the table is new and the map is the holder), an array pushed to as the array's owner.
 */
export function newObjectsByHolder(before: HeapSnapshot, after: HeapSnapshot): NewObjectsHolder[] {
  const oldIds = new Set<number>();
  for (let node = 0; node < before.nodeCount; node++) oldIds.add(before.nodeId[node]!);
  const isOld = (node: number) => oldIds.has(after.nodeId[node]!);

  const weak = after.edgeTypeNames.indexOf(WEAK_EDGE);
  const parentEdge = new Int32Array(after.nodeCount).fill(-1);
  const parentNode = new Int32Array(after.nodeCount).fill(-1);
  /** The nearest old object on the path to a node (the node itself when old); -1 when unreached. */
  const holderOf = new Int32Array(after.nodeCount).fill(-1);
  const queue = new Uint32Array(after.nodeCount);
  const seen = new Uint8Array(after.nodeCount);
  let head = 0;
  let tail = 0;
  queue[tail++] = 0;
  seen[0] = 1;
  holderOf[0] = 0;
  while (head < tail) {
    const node = queue[head++]!;
    for (let e = after.firstEdge[node]!; e < after.firstEdge[node + 1]!; e++) {
      if (after.edgeType[e] === weak) continue;
      const to = after.edgeTo[e]!;
      if (seen[to] === 1) continue;
      seen[to] = 1;
      parentEdge[to] = e;
      parentNode[to] = node;
      holderOf[to] = isOld(to) ? to : holderOf[node]!;
      queue[tail++] = to;
    }
  }

  const byHolder = new Map<number, { count: number; bytes: number; groups: Map<string, { count: number; bytes: number }> }>();
  for (let node = 0; node < after.nodeCount; node++) {
    if (seen[node] === 0 || isOld(node)) continue;
    const holder = holderOf[node]!;
    const entry = byHolder.get(holder) ?? { count: 0, bytes: 0, groups: new Map<string, { count: number; bytes: number }>() };
    entry.count += 1;
    entry.bytes += after.selfSize[node]!;
    const group = groupOf(after, node);
    const g = entry.groups.get(group) ?? { count: 0, bytes: 0 };
    g.count += 1;
    g.bytes += after.selfSize[node]!;
    entry.groups.set(group, g);
    byHolder.set(holder, entry);
  }
  return [...byHolder]
    .map(([holder, entry]) => ({
      holder,
      holderGroup: groupOf(after, holder),
      path: pathTo(after, holder, parentNode, parentEdge),
      newCount: entry.count,
      newBytes: entry.bytes,
      byGroup: [...entry.groups].map(([group, g]) => ({ group, ...g })).sort((x, y) => y.bytes - x.bytes),
    }))
    .sort((x, y) => y.newBytes - x.newBytes);
}

/**
 * The bytes only `node` keeps alive (its retained size, as DevTools gives it): the self sizes of
 * the objects reachable from it that the root no longer reaches once it is gone. Two breadth
 * first walks (weak edges skipped): O(objects + references) per call, a fraction of a second on
 * a 100 MB snapshot, so it is for a handful of holders, not for every object.
 */
export function retainedSize(snapshot: HeapSnapshot, node: number): { readonly bytes: number; readonly count: number } {
  const weak = snapshot.edgeTypeNames.indexOf(WEAK_EDGE);
  const reachedWithout = new Uint8Array(snapshot.nodeCount);
  const queue = new Uint32Array(snapshot.nodeCount);
  const walk = (start: number, mark: Uint8Array, blocked: (to: number) => boolean) => {
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    mark[start] = 1;
    while (head < tail) {
      const from = queue[head++]!;
      for (let e = snapshot.firstEdge[from]!; e < snapshot.firstEdge[from + 1]!; e++) {
        if (snapshot.edgeType[e] === weak) continue;
        const to = snapshot.edgeTo[e]!;
        if (mark[to] === 1 || blocked(to)) continue;
        mark[to] = 1;
        queue[tail++] = to;
      }
    }
  };
  if (node === 0) throw new Error('the root retains the whole snapshot');
  walk(0, reachedWithout, (to) => to === node);
  const retained = new Uint8Array(snapshot.nodeCount);
  walk(node, retained, (to) => reachedWithout[to] === 1);
  let bytes = 0;
  let count = 0;
  for (let i = 0; i < snapshot.nodeCount; i++) {
    if (retained[i] === 1) {
      bytes += snapshot.selfSize[i]!;
      count += 1;
    }
  }
  return { bytes, count };
}

/** The index of the object with snapshot id `id`, or -1. */
export function nodeWithId(snapshot: HeapSnapshot, id: number): number {
  for (let node = 0; node < snapshot.nodeCount; node++) if (snapshot.nodeId[node] === id) return node;
  return -1;
}

/** An edge as a step of a path: `.name` for properties and internals, `[i]` for elements, `->` for a context variable's `name`. */
function edgeLabel(snapshot: HeapSnapshot, edge: number): string {
  const type = snapshot.edgeTypeNames[snapshot.edgeType[edge]!]!;
  const name = snapshot.edgeName[edge]!;
  if (type === 'element' || type === 'hidden') return `[${name}]`;
  const text = snapshot.strings[name] ?? String(name);
  return type === 'context' ? `::${text}` : `.${text}`;
}

/** The path from the root to `node`, as `Group.edge` steps (the synthetic root groups kept: they say whether it is a global handle, a stack, a module). */
function pathTo(snapshot: HeapSnapshot, node: number, parentNode: Int32Array, parentEdge: Int32Array, maxSteps = 14): string {
  const steps: string[] = [];
  let current = node;
  while (parentNode[current]! >= 0 && steps.length < maxSteps) {
    const parent = parentNode[current]!;
    steps.push(`${groupOf(snapshot, parent)}${edgeLabel(snapshot, parentEdge[current]!)}`);
    current = parent;
  }
  const more = parentNode[current]! >= 0 ? '... ' : '';
  return `${more}${steps.reverse().join(' -> ')} -> ${groupOf(snapshot, node)}`;
}
