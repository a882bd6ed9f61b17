/** Why a node refuses to start: a configuration, key or genesis problem named for the operator. */
export class NodeStartError extends Error {
  override readonly name: string = 'NodeStartError';
}
