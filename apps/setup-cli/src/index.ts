// @consortium/setup-cli has no code yet: issue #4 (the demo setup) and the multi-party ceremony issue brings it.
// Until then this entry exports nothing, so nothing can depend on behaviour that does not exist.
export {};
