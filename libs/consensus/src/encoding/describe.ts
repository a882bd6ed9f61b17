/**
 * A value from a peer, file or client, as error messages quote it. Decoded CBOR holds bigints
 * and byte strings, which JSON.stringify cannot write (it throws a TypeError on a bigint): an
 * error message about bad input must never itself fail. Long values are cut, so a peer cannot
 * fill the logs through our own messages.
 */
export function describeValue(value: unknown, maxLength = 80): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Uint8Array) return `<${value.byteLength} bytes>`;
  let text: string;
  try {
    text = JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? `${item}n` : item instanceof Uint8Array ? `<${item.byteLength} bytes>` : item)) ?? String(value);
  } catch {
    // deeper than the stack (a hostile nesting) or otherwise unwritable
    text = `<${typeof value}>`;
  }
  return text.length > maxLength ? `${text.slice(0, maxLength)}…` : text;
}
