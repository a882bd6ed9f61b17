/**
 * What the distributed ceremony needs of the network: one request, one response, between members
 * named by their member id, the sender authenticated by the transport. @consortium/p2p's P2PNode
 * satisfies it structurally (its `ceremony` request protocol), as it satisfies consensus's
 * Transport; this package does not import it.
 */
export interface CeremonyTransport {
  request(to: string, protocol: 'ceremony', payload: Uint8Array, timeoutMs: number): Promise<Uint8Array>;
  onRequest(protocol: 'ceremony', handler: (from: string, payload: Uint8Array) => Promise<Uint8Array>): void;
}
