/**
 * Bounds of a record batch, from one place. The byte bound is the p2p records frame (a batch
 * travels as one private message body). The record bound sits well above the largest
 * circuit's batch (settlement-1433), so the chain's own checks decide how many records a batch
 * holds, and keeps the worst case cheap: 8,192 records encode to about 410 KB (50 bytes each at
 * their widest), far inside the frame, and decode in a fraction of a second (cborg handles
 * about half a million CBOR items a second on this machine; 65,536 records took seconds).
 */
import { MESSAGE_MAX_BYTES } from '@consortium/p2p';
import { SETTLEMENT_SERVICES } from '@consortium/zkp';

/** The largest encoded batch: exactly one records frame of libs/p2p. */
export const RECORD_BATCH_MAX_BYTES = MESSAGE_MAX_BYTES.records;

/** The most records one batch may carry. */
export const RECORD_BATCH_MAX_RECORDS = 8_192;

/** Record ids, start times and volumes: unsigned integers of these many bits. */
export const RECORD_ID_BITS = 64;
export const START_TIME_BITS = 32;
/** The circuit range-checks volumes to 32 bits (SETTLEMENT_LIMITS.volumeBits of @consortium/circuits). */
export const VOLUME_BITS = 32;

/** 128 bits of a salted hash, as 32 lowercase hex characters. */
export const SUBSCRIBER_REF_PATTERN = /^[0-9a-f]{32}$/;

/** ISO 3166 alpha-3 country + 2 characters, e.g. FRAF1 (the TADIG rule of @consortium/zkp). */
export const TADIG_PATTERN = /^[A-Z]{3}[A-Z0-9]{2}$/;

export const PERIOD_PATTERN = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** Version of the wire form: a decoder refuses any other. */
export const RECORD_BATCH_FORMAT_VERSION = 1;

export { SETTLEMENT_SERVICES };
