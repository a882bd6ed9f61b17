import { setupTelemetry, type Telemetry } from '@consortium/telemetry';

export function testTelemetry(): Telemetry {
  return setupTelemetry({ serviceName: 'settlement-test', memberId: 'T-Mobile-DE', registerGlobal: false, collectors: false, env: {}, logLevel: 'silent' });
}

/** The value of one series (0 when absent); for a histogram, its sample count. */
export async function metricValue(telemetry: Telemetry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = telemetry.registry.getSingleMetric(name);
  if (metric === undefined) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  const series = values.filter((value) => Object.entries(labels).every(([key, expected]) => value.labels[key] === expected));
  const count = series.find((value) => (value as { metricName?: string }).metricName === `${name}_count`);
  return count?.value ?? series[0]?.value ?? 0;
}
