/**
 * Preloaded (`--import`) into every node process the devnet starts: when the process that
 * started it (a test runner, the launcher) dies without stopping it, even by kill -9, the node
 * is reparented and stops itself (SIGTERM, its graceful shutdown) instead of running on as an
 * orphan that loads the machine and holds its ports. Checked once a second; nothing else here.
 */
const PARENT_CHECK_INTERVAL_MS = 1_000;
const parentPid = process.ppid;

setInterval(() => {
  if (process.ppid !== parentPid) process.kill(process.pid, 'SIGTERM');
}, PARENT_CHECK_INTERVAL_MS).unref();
