// @consortium/zkp has no code yet: issue #4 ("ZKP: the settlement circuit, a prover pool, fast verification and the demo setup") brings it.
// Until then this entry exports nothing, so nothing can depend on behaviour that does not exist.
export {};
