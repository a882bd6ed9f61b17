import { createHash } from 'node:crypto';
import { InvalidRecordBatchError } from './errors.js';

/** At least 128 bits of secret salt: the subscriber space (IMSIs) is small enough to enumerate. */
const SUBSCRIBER_SALT_MIN_BYTES = 16;

/**
 * A subscriber reference: the first 128 bits of sha256(salt || subscriber id), as 32 lowercase
 * hex characters. The visited operator keeps `salt` (per home operator and period, say) to
 * itself, so a reference links a subscriber's records within a batch without revealing who it
 * is; an IMSI or MSISDN never leaves the operator.
 */
export function subscriberRefOf(subscriberId: string, salt: Uint8Array): string {
  if (typeof subscriberId !== 'string' || subscriberId === '') throw new InvalidRecordBatchError('subscriberId', 'expected a non-empty string');
  if (!(salt instanceof Uint8Array) || salt.byteLength < SUBSCRIBER_SALT_MIN_BYTES) {
    throw new InvalidRecordBatchError('salt', `expected at least ${SUBSCRIBER_SALT_MIN_BYTES} bytes of secret salt`);
  }
  return createHash('sha256').update(salt).update(subscriberId, 'utf8').digest('hex').slice(0, 32);
}
