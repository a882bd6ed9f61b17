import { EventEmitter } from 'node:events';
import { LogRecorder, setupTelemetry } from '@consortium/telemetry';
import { afterEach, describe, expect, it } from 'vitest';
import { EXIT_CODES, installProcessHandlers } from '../../src/fatal.js';

/** The process-level handlers: what nothing else handled is logged, counted, stopped cleanly, and exits 4. */
describe('process-level fatal handlers', () => {
  const telemetries: ReturnType<typeof setupTelemetry>[] = [];
  afterEach(async () => {
    await Promise.all(telemetries.splice(0).map((telemetry) => telemetry.shutdown()));
  });

  function setup() {
    const logs = new LogRecorder();
    const telemetry = setupTelemetry({ serviceName: 'node-test', memberId: 'Orange-FR', env: {}, registerGlobal: false, collectors: false, logDestination: logs });
    telemetries.push(telemetry);
    const process = new EventEmitter();
    const calls: string[] = [];
    const exited = Promise.withResolvers<number>();
    installProcessHandlers(process as unknown as NodeJS.Process, {
      logger: telemetry.logger,
      metrics: telemetry.metrics.consensus,
      stop: async () => {
        calls.push('stop');
        return Promise.resolve();
      },
      exit: (code) => {
        calls.push(`exit ${code}`);
        exited.resolve(code);
      },
    });
    const count = async (cause: string) => (await telemetry.registry.getSingleMetric('consortium_consensus_fatal_errors_total')!.get()).values.find((v) => v.labels.cause === cause)?.value ?? 0;
    return { logs, process, calls, exited: exited.promise, count };
  }

  it('logs, counts and stops on an uncaught exception, then exits with its own code, once', async () => {
    const { logs, process, calls, exited, count } = setup();
    process.emit('uncaughtException', new TypeError('a bug'));
    process.emit('uncaughtException', new TypeError('a second one while stopping'));
    expect(await exited).toBe(EXIT_CODES.uncaught);
    expect(calls).toEqual(['stop', `exit ${EXIT_CODES.uncaught}`]);
    expect(await count('uncaught_exception')).toBe(1);
    expect(logs.find('uncaught exception: the node stops')).toHaveLength(1);
    expect(logs.find('uncaught exception: the node stops')[0]).toMatchObject({ level: 'fatal', cause: 'uncaught_exception' });
  });

  it('treats an unhandled rejection the same way', async () => {
    const { logs, process, exited, count } = setup();
    process.emit('unhandledRejection', new Error('nobody awaited this'));
    expect(await exited).toBe(EXIT_CODES.uncaught);
    expect(await count('unhandled_rejection')).toBe(1);
    expect(logs.find('unhandled rejection: the node stops')).toHaveLength(1);
  });
});
