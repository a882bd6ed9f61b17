import type { FuzzTarget } from '../target.js';
import { ceremonyProtocolTarget } from './ceremony-protocol.js';
import { ceremonyTranscriptTarget } from './ceremony-transcript.js';
import { consensusNodeTarget } from './consensus-node.js';
import { consensusWireTarget } from './consensus-wire.js';
import { genesisTarget } from './genesis.js';
import { nodeApiTarget } from './node-api.js';
import { nodeFilesTarget } from './node-files.js';
import { p2pWireTarget } from './p2p-wire.js';
import { recordsTarget } from './records.js';
import { settlementJsonTarget } from './settlement-json.js';
import { settlementTxTarget } from './settlement-tx.js';
import { zkpProofTarget } from './zkp-proof.js';

/** Every fuzz target, in the order `npm run fuzz` runs them: the wire first, the node's API last. */
export const FUZZ_TARGETS: readonly FuzzTarget[] = [consensusWireTarget, consensusNodeTarget, genesisTarget, settlementTxTarget, settlementJsonTarget, recordsTarget, p2pWireTarget, ceremonyTranscriptTarget, ceremonyProtocolTarget, zkpProofTarget, nodeFilesTarget, nodeApiTarget];
