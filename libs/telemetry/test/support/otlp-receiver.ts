// The receiver is public (tests of other packages receive a node process's spans with it).
export { OtlpReceiver, type ReceivedRequest } from '../../src/index.js';
