import type { AreaDefinitions } from '../types.js';
import { SECONDS_SLOW } from '../buckets.js';

/** The steps of the trusted-setup ceremony (libs/ceremony) a process takes. */
export const CEREMONY_STEPS = ['open', 'prepare', 'contribute', 'skip', 'beacon', 'accept', 'verify'] as const;

/** Why a party of the distributed ceremony refused a request (libs/ceremony's protocol `ceremony`). */
export const CEREMONY_REFUSALS = ['malformed', 'not_coordinator', 'not_running', 'not_your_turn', 'not_your_entry', 'busy', 'unknown_file', 'bad_attestation'] as const;

/** The multi-party trusted-setup ceremony (libs/ceremony): what this process did in it, and how long it took. */
export const ceremonyMetricDefinitions = {
  stepDurationSeconds: {
    name: 'consortium_ceremony_step_duration_seconds',
    type: 'histogram',
    unit: 'seconds',
    help: "Time of a ceremony step taken by this process, checks included, by step: open (a new accumulator, or newZKey of a circuit), prepare (phase 2's powers of tau, or their check), contribute, skip, beacon, accept (a contribution handed over), verify (a whole ceremony).",
    labels: { step: CEREMONY_STEPS },
    // Seconds at 2^11, minutes at 2^16.
    buckets: SECONDS_SLOW,
  },
  stepsTotal: {
    name: 'consortium_ceremony_steps_total',
    type: 'counter',
    unit: 'count',
    help: 'Ceremony steps by step and outcome: done; refused (not its turn, a file or entry not what the transcript says, a contribution rejected, a check failed: nothing changed); failed (an error, e.g. a full disk).',
    labels: { step: CEREMONY_STEPS, outcome: ['done', 'refused', 'failed'] },
  },
  refusedRequestsTotal: {
    name: 'consortium_ceremony_refused_requests_total',
    type: 'counter',
    unit: 'count',
    help: "Requests of the distributed ceremony this process refused, by reason: malformed (not a message of the protocol), not_coordinator (a coordinator's request sent to a participant), not_running (the ceremony is not taking contributions), not_your_turn (a contribution from a member whose turn it is not), not_your_entry (an entry signed by another member or not a contribution), busy (a contribution of that member is being checked), unknown_file (a file this process does not serve), bad_attestation (an attestation that does not verify). A security event: nothing changes.",
    labels: { reason: CEREMONY_REFUSALS },
  },
  transcriptEntries: {
    name: 'consortium_ceremony_transcript_entries',
    type: 'gauge',
    unit: 'count',
    help: "Entries in the ceremony's transcript as this process last wrote or accepted it.",
    labels: {},
  },
} as const satisfies AreaDefinitions;
