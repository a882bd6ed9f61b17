// @consortium/setup-cli is used through its command line, `consortium-setup` (src/main.ts); see
// the README. This entry exports nothing: apps never import apps, and a tool that needs a devnet
// runs the CLI, as an operator would.
export {};
