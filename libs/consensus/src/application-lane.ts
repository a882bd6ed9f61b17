import type { Application } from './application.js';
import { SerialQueue } from './mempool/serial-queue.js';

/**
 * One lane per application instance: every call to it, from the mempool (checkTx) and from
 * consensus (prepare, process, finalize, commit, snapshot, restore, info), runs one at a time,
 * in the order it was made. That is what application.ts promises: the application needs no
 * locking of its own.
 *
 * The lane is found by the application object itself, so the mempool and the driver share it
 * whoever composes them, without either knowing of the other. Each call is its own turn: a long
 * recheck of the mempool yields to consensus between two transactions.
 */
const lanes = new WeakMap<object, SerialQueue>();

export function applicationLane(app: object): SerialQueue {
  let lane = lanes.get(app);
  if (lane === undefined) {
    lane = new SerialQueue();
    lanes.set(app, lane);
  }
  return lane;
}

/** `app` with every method routed through its lane. */
export function serializedApplication(app: Application): Application {
  const lane = applicationLane(app);
  return {
    info: () => lane.run(() => app.info()),
    checkTx: (tx, mode) => lane.run(() => app.checkTx(tx, mode)),
    prepareProposal: (request) => lane.run(() => app.prepareProposal(request)),
    processProposal: (request) => lane.run(() => app.processProposal(request)),
    finalizeBlock: (request) => lane.run(() => app.finalizeBlock(request)),
    commit: () => lane.run(() => app.commit()),
    snapshot: () => lane.run(() => app.snapshot()),
    restore: (snapshot, height) => lane.run(() => app.restore(snapshot, height)),
  };
}
