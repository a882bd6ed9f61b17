import type { SecurityMetrics } from '@consortium/telemetry';
import type { NodeEvents } from './node-events.js';

/**
 * Consensus reports equivocation by counting it in `equivocationsTotal{member, message}`; the
 * node hands consensus this view of the security metrics, which also records each one as a
 * public security event (security log and event stream). Until libs take an event callback of
 * their own, this is how a library's security signal reaches the log without the library
 * knowing about it.
 */
export function reportingEquivocations(security: SecurityMetrics, events: NodeEvents): SecurityMetrics {
  const counter = security.equivocationsTotal;
  const equivocationsTotal: typeof counter = {
    inc(labels, value) {
      counter.inc(labels, value);
      events.emitSecurityEvent({
        kind: 'equivocation',
        who: { member: labels.member },
        where: { protocol: 'consensus' },
        what: `${labels.member} signed two different ${labels.message} messages for one height, round and step (evidence stored, GET /v1/evidence)`,
        audience: { scope: 'public' },
      });
    },
    labels: (labels) => ({ inc: (value) => equivocationsTotal.inc(labels, value) }),
    remove: (labels) => counter.remove(labels),
    reset: () => counter.reset(),
  };
  return { ...security, equivocationsTotal };
}
