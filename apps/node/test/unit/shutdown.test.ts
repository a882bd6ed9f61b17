import { EventEmitter } from 'node:events';
import { LogRecorder, setupTelemetry } from '@consortium/telemetry';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT_CODES } from '../../src/fatal.js';
import { installShutdownHandlers } from '../../src/shutdown.js';

/** SIGINT / SIGTERM: a graceful stop exits 0; a second signal, a deadline or a failed stop exit with their own codes. */
describe('shutdown on signals', () => {
  const telemetries: ReturnType<typeof setupTelemetry>[] = [];
  afterEach(async () => {
    await Promise.all(telemetries.splice(0).map((telemetry) => telemetry.shutdown()));
  });

  function setup(stop: () => Promise<void>, deadlineMs = 60_000) {
    const logs = new LogRecorder();
    const telemetry = setupTelemetry({ serviceName: 'node-test', memberId: 'Orange-FR', env: {}, registerGlobal: false, collectors: false, logDestination: logs });
    telemetries.push(telemetry);
    const process = new EventEmitter();
    const codes: number[] = [];
    const exited = Promise.withResolvers<number>();
    let stops = 0;
    installShutdownHandlers(process as unknown as NodeJS.Process, {
      logger: telemetry.logger,
      stop: () => {
        stops += 1;
        return stop();
      },
      exit: (code) => {
        codes.push(code);
        exited.resolve(code);
      },
      deadlineMs,
    });
    return { logs, process, codes, exited: exited.promise, stops: () => stops };
  }

  it.each(['SIGTERM', 'SIGINT'])('%s stops the node once and exits 0 when the stop finished', async (signal) => {
    const stopped = Promise.withResolvers<void>();
    const t = setup(() => stopped.promise);
    t.process.emit(signal);
    await Promise.resolve();
    expect(t.codes).toEqual([]);
    stopped.resolve();
    expect(await t.exited).toBe(EXIT_CODES.stopped);
    expect(t.stops()).toBe(1);
    expect(t.logs.find('stopped cleanly')[0]).toMatchObject({ signal });
  });

  it('a second signal during the stop exits at once with its own code', async () => {
    const t = setup(() => new Promise<void>(() => {}));
    t.process.emit('SIGTERM');
    t.process.emit('SIGINT');
    expect(await t.exited).toBe(EXIT_CODES.shutdownForced);
    expect(t.stops()).toBe(1);
    expect(t.logs.find('second signal during shutdown: exiting now, without waiting for the stop to finish')).toHaveLength(1);
  });

  it('a stop that outlives the deadline exits with its own code', async () => {
    const t = setup(() => new Promise<void>(() => {}), 50);
    t.process.emit('SIGTERM');
    expect(await t.exited).toBe(EXIT_CODES.shutdownDeadline);
    expect(t.logs.find('shutdown outlived its deadline: exiting without a clean stop')[0]).toMatchObject({ level: 'error', deadlineMs: 50 });
  });

  it('a stop that fails exits with its own code, once', async () => {
    const t = setup(() => Promise.reject(new Error('the store would not close')), 50);
    t.process.emit('SIGTERM');
    expect(await t.exited).toBe(EXIT_CODES.shutdownFailed);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(t.codes).toEqual([EXIT_CODES.shutdownFailed]);
  });

  it('every exit code is distinct', () => {
    const codes = Object.values(EXIT_CODES);
    expect(new Set(codes).size).toBe(codes.length);
  });
});
