// @consortium/dashboard has no code yet: the dashboard issue brings it.
// Until then this entry exports nothing, so nothing can depend on behaviour that does not exist.
export {};
