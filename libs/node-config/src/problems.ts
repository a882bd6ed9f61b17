import type { TSchema } from 'typebox';
import System from 'typebox/system';
import Value from 'typebox/value';

/**
 * Every problem of a JSON value against a schema, as one line per field:
 * `http.port: must be a port from 0 to 65535`. The message is the `errorMessage` annotation of
 * the nearest schema node that has one (what the field is for), not the validator's generic
 * text; a field is named once even when several rules fail on it.
 */

type SchemaNode = Record<string, unknown>;

/** `schema` annotated with the message `schemaProblems` shows when a value fails it. */
export const explained = <T extends TSchema>(schema: T, errorMessage: string): T => ({ ...schema, errorMessage });

const decodePointer = (segment: string) => segment.replaceAll('~1', '/').replaceAll('~0', '~');
const pointerSegments = (pointer: string) =>
  pointer
    .replace(/^#/, '')
    .split('/')
    .filter((segment) => segment !== '')
    .map(decodePointer);

/** Schema keywords whose child validates one level deeper in the value. */
const DESCENDS_INTO_VALUE = new Set(['properties', 'patternProperties', 'items', 'additionalProperties']);
/** Keywords followed by a key (a property name or a pattern) before the child schema. */
const KEYED = new Set(['properties', 'patternProperties']);

interface Explanation {
  readonly message: string;
  /** How many segments of the value's path the explained node covers. */
  readonly depth: number;
}

/** Walks `schemaPath` from the root; returns the deepest node with an errorMessage and its depth in the value. */
function explain(root: TSchema, schemaPath: string): Explanation | null {
  const segments = pointerSegments(schemaPath);
  let node: unknown = root;
  let depth = 0;
  let found: Explanation | null = typeof (root as SchemaNode).errorMessage === 'string' ? { message: (root as SchemaNode).errorMessage as string, depth } : null;
  for (let i = 0; i < segments.length && typeof node === 'object' && node !== null; i += 1) {
    const keyword = segments[i]!;
    node = (node as SchemaNode)[keyword];
    if (KEYED.has(keyword)) {
      i += 1;
      node = typeof node === 'object' && node !== null ? (node as SchemaNode)[segments[i]!] : undefined;
    }
    if (DESCENDS_INTO_VALUE.has(keyword)) depth += 1;
    const message = typeof node === 'object' && node !== null ? (node as SchemaNode).errorMessage : undefined;
    if (typeof message === 'string') found = { message, depth };
  }
  return found;
}

function nodeAt(root: TSchema, schemaPath: string): SchemaNode | null {
  let node: unknown = root;
  for (const segment of pointerSegments(schemaPath)) node = typeof node === 'object' && node !== null ? (node as SchemaNode)[segment] : undefined;
  return typeof node === 'object' && node !== null ? (node as SchemaNode) : null;
}

function childSchema(root: TSchema, schemaPath: string, property: string): SchemaNode | null {
  const properties = nodeAt(root, schemaPath)?.properties;
  const child = typeof properties === 'object' && properties !== null ? (properties as SchemaNode)[property] : undefined;
  return typeof child === 'object' && child !== null ? (child as SchemaNode) : null;
}

const fieldOf = (segments: readonly string[]) => segments.join('.');
const line = (field: string, message: string) => (field === '' ? message : `${field}: ${message}`);

/**
 * TypeBox buffers at most 8 errors by default (a guard against huge error lists from untrusted
 * input). A configuration file is trusted and small, and every problem at once is the point:
 * the bound is raised for this call only (synchronous, so nothing else runs meanwhile).
 */
const MAX_PROBLEMS = 200;

function allErrors(schema: TSchema, value: unknown) {
  const { maxErrors } = System.Settings.Get();
  System.Settings.Set({ maxErrors: MAX_PROBLEMS });
  try {
    return Value.Errors(schema, value);
  } finally {
    System.Settings.Set({ maxErrors });
  }
}

export function schemaProblems(schema: TSchema, value: unknown): string[] {
  const problems = new Map<string, string>();
  const add = (field: string, message: string) => {
    if (!problems.has(field)) problems.set(field, line(field, message));
  };
  for (const error of allErrors(schema, value)) {
    const instance = pointerSegments(error.instancePath);
    if (error.keyword === 'required') {
      const { requiredProperties } = error.params;
      for (const property of requiredProperties) {
        const message = childSchema(schema, error.schemaPath, property)?.errorMessage;
        add(fieldOf([...instance, property]), typeof message === 'string' ? `is required and ${message}` : 'is required');
      }
      continue;
    }
    // `additionalProperties` reports the object and, separately, each unknown key (keyword
    // `boolean`: the key met the false schema); the key names the field.
    if (error.keyword === 'additionalProperties') continue;
    if (error.keyword === 'boolean' && error.schemaPath.endsWith('/additionalProperties')) {
      // A record (keys by pattern) says what its keys must be; an object's unknown key is a typo.
      const parent = nodeAt(schema, error.schemaPath.slice(0, -'/additionalProperties'.length));
      const recordMessage = parent?.patternProperties !== undefined ? parent.errorMessage : undefined;
      add(fieldOf(instance), typeof recordMessage === 'string' ? recordMessage : 'is not a known field (misspelt?)');
      continue;
    }
    const explanation = explain(schema, error.schemaPath);
    if (explanation === null) add(fieldOf(instance), error.message);
    else add(fieldOf(instance.slice(0, explanation.depth)), explanation.message);
  }
  return [...problems.values()];
}
