pragma circom 2.1.0;

// Circuit v2: the settlement statement of one (creditor, debtor, period): the statement's total
// follows from the committed usage records and the agreed rate table, which only the two parties
// see, and every record of the pair's period is counted at most once.
//
// Public:  creditor, debtor (TADIG codes as integers), period (YYYYMM), firstId, count,
//          batchCommitment, rateCommitment, total (integer minor units).
// Private: N records (volume, service) in slot order, the batch salt, the rate table (one rate
//          per service) and its salt.
//
// Record ids are positional: the record in slot i has id firstId + i, so a batch covers exactly
// the ids firstId .. firstId + count - 1, no id twice. The chain keeps the batches of a (pair,
// period) contiguous (each batch's firstId is the previous one's firstId + count), so no record
// is counted in two batches either; see circuits/README.md for the split of duties.
//
// Costs per record (docs/benchmarks.md): range checks VOLUME_BITS + SERVICE_BITS, the padding
// mask 2, the pricing 2^SERVICE_BITS - 1, and 1/RECORDS_PER_ELEMENT of a field element absorbed
// by the Poseidon(16) sponge (about 41 constraints per element).

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";

// Domain tags: "consortium/batch/2" and "consortium/rates/2" as big-endian integers, so the two
// commitments, and those of circuit v1 ("/1"), can never be confused.
function BATCH_DOMAIN() { return 0x636f6e736f727469756d2f62617463682f32; }
function RATES_DOMAIN() { return 0x636f6e736f727469756d2f72617465732f32; }

// Bits of a packed field element: 253-bit integers are below the BN254 scalar field's modulus
// (about 2^253.6), so packing range-checked parts into 253 bits is injective.
function ELEMENT_BITS() { return 253; }

// Elements absorbed by the batch sponge: a header of 8, then the packed records.
function BATCH_HEADER() { return 8; }

template Settlement(N, SERVICE_BITS) {
    var SERVICES = 1 << SERVICE_BITS;
    var VOLUME_BITS = 32;
    var RATE_BITS = 32;
    var RECORD_BITS = VOLUME_BITS + SERVICE_BITS;
    var RECORDS_PER_ELEMENT = ELEMENT_BITS() \ RECORD_BITS;
    var ELEMENTS = (N + RECORDS_PER_ELEMENT - 1) \ RECORDS_PER_ELEMENT;
    // The sponge: the first Poseidon(16) call takes 16 elements, every later one the chained
    // state and 15 more.
    var ABSORBED = BATCH_HEADER() + ELEMENTS;
    var CALLS = ABSORBED <= 16 ? 1 : 1 + (ABSORBED - 16 + 14) \ 15;

    // --- public inputs (declared first: this is their order in the public signals) ---
    signal input creditor;
    signal input debtor;
    signal input period;
    signal input firstId;
    signal input count;
    signal input batchCommitment;
    signal input rateCommitment;
    signal input total;

    // --- private inputs ---
    signal input volume[N];
    signal input service[N];
    signal input salt;
    signal input rate[SERVICES];
    signal input rateSalt;

    // A statement is between two different members.
    component sameMember = IsZero();
    sameMember.in <== creditor - debtor;
    sameMember.out === 0;

    // The rate table: every rate fits RATE_BITS, and the table hashes to the rate commitment.
    component rateRange[SERVICES];
    component rateHash = Poseidon(SERVICES + 4);
    rateHash.inputs[0] <== RATES_DOMAIN();
    rateHash.inputs[1] <== creditor;
    rateHash.inputs[2] <== debtor;
    for (var s = 0; s < SERVICES; s++) {
        rateRange[s] = Num2Bits(RATE_BITS);
        rateRange[s].in <== rate[s];
        rateHash.inputs[3 + s] <== rate[s];
    }
    rateHash.inputs[3 + SERVICES] <== rateSalt;
    rateCommitment === rateHash.out;

    // The padding mask: isReal[i] = 1 for the first `count` slots, 0 after. One constraint per
    // slot makes it boolean and non-increasing: isReal[i] is 0 or equals isReal[i - 1] (and
    // isReal[-1] = 1). Its sum is count, so it has exactly one solution, and count <= N.
    signal isReal[N];
    var realCount = 0;
    for (var i = 0; i < N; i++) {
        isReal[i] <-- i < count ? 1 : 0;
        var previous = i == 0 ? 1 : isReal[i - 1];
        isReal[i] * (isReal[i] - previous) === 0;
        realCount += isReal[i];
    }
    realCount === count;

    // Each record: its parts range-checked, padding slots all zero, its volume split by the
    // service's bits for the pricing below.
    component volumeBits[N];
    component serviceBits[N];
    var record[N];
    // monomial[i][m - 1] = volume[i] x (the product of the service bits in mask m), m >= 1.
    signal monomial[N][SERVICES - 1];
    var volumeBy[SERVICES];
    for (var m = 0; m < SERVICES; m++) volumeBy[m] = 0;
    for (var i = 0; i < N; i++) {
        volumeBits[i] = Num2Bits(VOLUME_BITS);
        volumeBits[i].in <== volume[i];
        serviceBits[i] = Num2Bits(SERVICE_BITS);
        serviceBits[i].in <== service[i];
        record[i] = volume[i] + service[i] * (1 << VOLUME_BITS);

        // Padding slots are all zero, so they neither hide usage nor change the total.
        (1 - isReal[i]) * record[i] === 0;

        volumeBy[0] += volume[i];
        for (var m = 1; m < SERVICES; m++) {
            // The mask's highest bit times the monomial of the others (the volume itself for 0).
            var high = 0;
            for (var b = 0; b < SERVICE_BITS; b++) {
                if (((m >> b) & 1) == 1) high = b;
            }
            var rest = m - (1 << high);
            var factor = rest == 0 ? volume[i] : monomial[i][rest - 1];
            monomial[i][m - 1] <== factor * serviceBits[i].out[high];
            volumeBy[m] += monomial[i][m - 1];
        }
    }

    // The total: rate[service] is the multilinear polynomial sum over masks m within service's
    // bits of coefficient[m], where coefficient[m] is the Moebius transform of the rate table.
    // So sum of volume x rate[service] = sum over m of coefficient[m] x volumeBy[m]: one product
    // per mask for the whole batch, instead of a rate selection per record.
    signal priced[SERVICES];
    var sum = 0;
    for (var m = 0; m < SERVICES; m++) {
        var coefficient = 0;
        for (var sub = 0; sub < SERVICES; sub++) {
            if ((sub & m) == sub) {
                var sign = 1;
                for (var b = 0; b < SERVICE_BITS; b++) {
                    if ((((m - sub) >> b) & 1) == 1) sign = -sign;
                }
                coefficient += sign * rate[sub];
            }
        }
        priced[m] <== coefficient * volumeBy[m];
        sum += priced[m];
    }
    total === sum;

    // The batch commitment: a Poseidon sponge over the header (domain, N, creditor, debtor,
    // period, firstId, count, salt) and the records packed RECORDS_PER_ELEMENT per element, slot
    // k of an element at bit RECORD_BITS * k, padding included.
    var absorbed[CALLS * 16];
    absorbed[0] = BATCH_DOMAIN();
    absorbed[1] = N;
    absorbed[2] = creditor;
    absorbed[3] = debtor;
    absorbed[4] = period;
    absorbed[5] = firstId;
    absorbed[6] = count;
    absorbed[7] = salt;
    for (var e = 0; e < CALLS * 16 - BATCH_HEADER(); e++) absorbed[BATCH_HEADER() + e] = 0;
    for (var i = 0; i < N; i++) {
        var e = BATCH_HEADER() + i \ RECORDS_PER_ELEMENT;
        absorbed[e] += record[i] * (1 << (RECORD_BITS * (i % RECORDS_PER_ELEMENT)));
    }
    component absorb[CALLS];
    absorb[0] = Poseidon(16);
    for (var k = 0; k < 16; k++) absorb[0].inputs[k] <== absorbed[k];
    for (var c = 1; c < CALLS; c++) {
        absorb[c] = Poseidon(16);
        absorb[c].inputs[0] <== absorb[c - 1].out;
        for (var k = 0; k < 15; k++) absorb[c].inputs[1 + k] <== absorbed[16 + 15 * (c - 1) + k];
    }
    batchCommitment === absorb[CALLS - 1].out;
}
