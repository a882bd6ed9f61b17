import type { FastifyInstance } from 'fastify';
import { JsonTooDeepError } from './errors.js';

/**
 * How deep a request body's JSON may nest. The deepest body the API takes nests 3 levels (an
 * agreement's `rates.<creditor>.<service>`, a usage batch's `records[i].<field>`); 32 leaves
 * room for new routes. Deeper bodies are refused before JSON.parse sees them: V8 parses nesting
 * in time that grows faster than its length (an 8 MiB body of `[` took 9 s of the event loop on
 * a 2-core machine, 4 million levels), so the body limit alone let one authenticated request
 * stall consensus for seconds.
 */
export const JSON_NESTING_MAX = 32;

/**
 * Whether `text` opens more than `max` arrays or objects inside one another. One pass over the
 * characters, strings skipped (a `[` inside a string does not nest); no parsing, no recursion.
 * Malformed JSON is left for JSON.parse to refuse.
 */
export function jsonNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c) i += 1; // a backslash escapes the next character, a quote too
      else if (code === 0x22) inString = false;
      continue;
    }
    if (code === 0x22) inString = true;
    else if (code === 0x5b || code === 0x7b) {
      depth += 1;
      if (depth > max) return true;
    } else if (code === 0x5d || code === 0x7d) depth -= 1;
  }
  return false;
}

/**
 * Replaces fastify's application/json parser with one that refuses a body nesting deeper than
 * JSON_NESTING_MAX (400 `json_too_deep`, counted by the error handler), then parses with
 * fastify's own parser (prototype poisoning refused, as before). The body limit is still
 * fastify's: the text is whole and within it when this runs.
 */
export function refuseDeepJson(server: FastifyInstance): void {
  const parseJson = server.getDefaultJsonParser('error', 'error');
  server.removeContentTypeParser('application/json');
  server.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (jsonNestsDeeperThan(body as string, JSON_NESTING_MAX)) {
      done(new JsonTooDeepError(JSON_NESTING_MAX), undefined);
      return;
    }
    // fastify's own parser calls done itself (it returns nothing to await).
    void parseJson(request, body as string, done);
  });
}
