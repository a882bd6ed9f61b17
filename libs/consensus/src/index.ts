// @consortium/consensus has no code yet: issue #3 ("Consensus and P2P") brings it.
// Until then this entry exports nothing, so nothing can depend on behaviour that does not exist.
export {};
