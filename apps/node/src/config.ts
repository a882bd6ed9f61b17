/**
 * The node's configuration: node.json's schema, type and loader live in @consortium/node-config
 * (setup-cli writes the same file); this module keeps the names the node has always exported.
 */
export { DEFAULT_SNAPSHOT_INTERVAL_BLOCKS, loadNodeConfig, NodeConfigError, parseNodeConfig } from '@consortium/node-config';
export type { NodeConfig } from '@consortium/node-config';
