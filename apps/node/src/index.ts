// @consortium/node has no code yet: the issue "Settlement, the node app and the local consortium" brings it.
// Until then this entry exports nothing, so nothing can depend on behaviour that does not exist.
export {};
