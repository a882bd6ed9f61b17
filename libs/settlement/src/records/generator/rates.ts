/**
 * Wholesale roaming rates for test data and the devnet, in integer micro-euro per charging unit
 * (voice: per second, SMS: per message, data: per megabyte). Sources: docs/DOMAIN.md. Never a
 * float: each rate below is the cap converted and rounded down (agreements price at or below
 * the cap), written as the integer it is.
 */
import type { RateTable, SettlementService } from '@consortium/zkp';

export type MicroEuroRates = Readonly<Record<SettlementService, bigint>>;

/**
 * Regulation (EU) 2022/612 wholesale caps, by calendar year (Germany, France and Norway: EU/EEA).
 * voice_mo: EUR 0.019/min = 316.67 micro-euro/s -> 316. voice_mt: calls received are paid at
 * the EU-wide mobile termination rate, EUR 0.002/min (2024 on) -> 33 micro-euro/s.
 * sms: EUR 0.003 -> 3,000. data: EUR 1.30/GB (2025), 1.10 (2026), 1.00 (2027 on), per MB
 * (GB = 1,024 MB): 1,269, 1,074, 976.
 */
export const EU_WHOLESALE_CAPS_BY_YEAR: Readonly<Record<number, MicroEuroRates>> = {
  2025: { voice_mo: 316n, voice_mt: 33n, sms: 3_000n, data: 1_269n },
  2026: { voice_mo: 316n, voice_mt: 33n, sms: 3_000n, data: 1_074n },
  2027: { voice_mo: 316n, voice_mt: 33n, sms: 3_000n, data: 976n },
};

/**
 * UK-EU: outside the regulation since 2021, priced commercially. An example agreement, not a
 * published figure: EUR 0.05/min voice out (833 micro-euro/s), EUR 0.01/min voice in (166),
 * EUR 0.01 per SMS (10,000), EUR 3.00/GB data (2,929 per MB).
 */
export const UK_EU_COMMERCIAL_RATES: MicroEuroRates = { voice_mo: 833n, voice_mt: 166n, sms: 10_000n, data: 2_929n };

/** TADIG country prefixes (ISO 3166 alpha-3) under the EU roaming regulation (EU and EEA). */
const EU_EEA_COUNTRIES = new Set(['AUT', 'BEL', 'BGR', 'HRV', 'CYP', 'CZE', 'DNK', 'EST', 'FIN', 'FRA', 'DEU', 'GRC', 'HUN', 'IRL', 'ITA', 'LVA', 'LTU', 'LUX', 'MLT', 'NLD', 'POL', 'PRT', 'ROU', 'SVK', 'SVN', 'ESP', 'SWE', 'ISL', 'LIE', 'NOR']);

/**
 * The rates a (creditor, debtor) pair would agree for a period: the EU cap of that year when
 * both networks are in the EU/EEA (the nearest year the table has), the UK-EU commercial
 * example otherwise.
 */
export function wholesaleRates(creditorTadig: string, debtorTadig: string, period: string): MicroEuroRates {
  const regulated = EU_EEA_COUNTRIES.has(creditorTadig.slice(0, 3)) && EU_EEA_COUNTRIES.has(debtorTadig.slice(0, 3));
  if (!regulated) return UK_EU_COMMERCIAL_RATES;
  const years = Object.keys(EU_WHOLESALE_CAPS_BY_YEAR).map(Number);
  const year = Math.min(Math.max(Number(period.slice(0, 4)), Math.min(...years)), Math.max(...years));
  return EU_WHOLESALE_CAPS_BY_YEAR[year]!;
}

/** A rate table for the circuit (zkp's RateTable): the pair's rates and the commitment's salt. */
export function wholesaleRateTable(creditorTadig: string, debtorTadig: string, period: string, salt: bigint): RateTable {
  return { rates: wholesaleRates(creditorTadig, debtorTadig, period), salt };
}
