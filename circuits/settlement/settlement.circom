pragma circom 2.1.0;

// The settlement statement of one (creditor, debtor, period): the statement's total follows
// from the committed usage records and the agreed rate table, which only the two parties see.
//
// Public:  creditor, debtor (TADIG codes as integers), period (YYYYMM), count (real records),
//          batchCommitment, rateCommitment, total (integer minor units).
// Private: N records (recordId, service, volume, salt), padding records after `count`,
//          the rate table (one rate per service) and its salt.
//
// Costs per record (see docs/benchmarks.md): range checks 32 + 32 + SERVICE_BITS, the padding
// mask 4, the rate selection 2^SERVICE_BITS - 1, the product 1, and two field elements absorbed
// into a Poseidon(16) sponge (about 41 constraints each).

include "circomlib/circuits/poseidon.circom";
include "circomlib/circuits/bitify.circom";
include "circomlib/circuits/comparators.circom";

// Domain tags: "consortium/batch/1" and "consortium/rates/1" as big-endian integers, so the two
// commitments (and later versions) can never be confused.
function BATCH_DOMAIN() { return 0x636f6e736f727469756d2f62617463682f31; }
function RATES_DOMAIN() { return 0x636f6e736f727469756d2f72617465732f31; }

// Selects values[index] from 2^BITS values by the index's bits (a binary multiplexer tree:
// 2^BITS - 1 constraints).
template SelectByBits(BITS) {
    var SIZE = 1 << BITS;
    signal input values[SIZE];
    signal input bits[BITS];
    signal output out;

    signal level[2 * SIZE - 1];
    for (var i = 0; i < SIZE; i++) level[SIZE - 1 + i] <== values[i];
    // Node k has children 2k+1 and 2k+2; the depth of node k decides which bit chooses.
    var depthStart = SIZE - 1;
    for (var depth = BITS - 1; depth >= 0; depth--) {
        var width = 1 << depth;
        var start = width - 1;
        for (var j = 0; j < width; j++) {
            var node = start + j;
            level[node] <== level[2 * node + 1] + bits[BITS - 1 - depth] * (level[2 * node + 2] - level[2 * node + 1]);
        }
    }
    out <== level[0];
}

template Settlement(N, SERVICE_BITS) {
    var SERVICES = 1 << SERVICE_BITS;
    var VOLUME_BITS = 32;
    var ID_BITS = 32;
    var RATE_BITS = 32;
    var CHUNK = 15; // elements per Poseidon(16) call; the 16th input chains the previous state
    var ELEMENTS = 2 * N;
    var CHUNKS = (ELEMENTS + CHUNK - 1) \ CHUNK;

    // --- public inputs (declared first: this is their order in the public signals) ---
    signal input creditor;
    signal input debtor;
    signal input period;
    signal input count;
    signal input batchCommitment;
    signal input rateCommitment;
    signal input total;

    // --- private inputs ---
    signal input recordId[N];
    signal input service[N];
    signal input volume[N];
    signal input salt[N];
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

    // The padding mask: isReal[i] = 1 for the first `count` records, 0 after. Boolean,
    // non-increasing and summing to count, it has exactly one solution (and count <= N).
    signal isReal[N];
    var realCount = 0;
    for (var i = 0; i < N; i++) {
        isReal[i] <-- i < count ? 1 : 0;
        isReal[i] * (isReal[i] - 1) === 0;
        if (i > 0) isReal[i] * (1 - isReal[i - 1]) === 0;
        realCount += isReal[i];
    }
    realCount === count;

    // Each record: range-checked fields packed into one element, its rate, its amount.
    component idBits[N];
    component volumeBits[N];
    component serviceBits[N];
    component selectRate[N];
    signal packed[N];
    signal amount[N];
    var sum = 0;
    for (var i = 0; i < N; i++) {
        idBits[i] = Num2Bits(ID_BITS);
        idBits[i].in <== recordId[i];
        volumeBits[i] = Num2Bits(VOLUME_BITS);
        volumeBits[i].in <== volume[i];
        serviceBits[i] = Num2Bits(SERVICE_BITS);
        serviceBits[i].in <== service[i];
        // Injective because every part is range-checked: volume | id << 32 | service << 64.
        packed[i] <== volume[i] + recordId[i] * (1 << VOLUME_BITS) + service[i] * (1 << (VOLUME_BITS + ID_BITS));

        // Padding records are all zero, so they neither hide usage nor change the total.
        (1 - isReal[i]) * packed[i] === 0;
        (1 - isReal[i]) * salt[i] === 0;

        selectRate[i] = SelectByBits(SERVICE_BITS);
        for (var s = 0; s < SERVICES; s++) selectRate[i].values[s] <== rate[s];
        for (var b = 0; b < SERVICE_BITS; b++) selectRate[i].bits[b] <== serviceBits[i].out[b];
        amount[i] <== volume[i] * selectRate[i].out;
        sum += amount[i];
    }
    total === sum;

    // The batch commitment: a Poseidon sponge seeded with the statement's identity, absorbing
    // (packed, salt) of every record, padding included, 15 elements per Poseidon(16) call.
    component seed = Poseidon(5);
    seed.inputs[0] <== BATCH_DOMAIN();
    seed.inputs[1] <== creditor;
    seed.inputs[2] <== debtor;
    seed.inputs[3] <== period;
    seed.inputs[4] <== count;
    component absorb[CHUNKS];
    for (var c = 0; c < CHUNKS; c++) {
        absorb[c] = Poseidon(CHUNK + 1);
        absorb[c].inputs[0] <== c == 0 ? seed.out : absorb[c - 1].out;
        for (var k = 0; k < CHUNK; k++) {
            var e = c * CHUNK + k;
            if (e >= ELEMENTS) {
                absorb[c].inputs[1 + k] <== 0;
            } else if (e % 2 == 0) {
                absorb[c].inputs[1 + k] <== packed[e \ 2];
            } else {
                absorb[c].inputs[1 + k] <== salt[e \ 2];
            }
        }
    }
    batchCommitment === absorb[CHUNKS - 1].out;
}
