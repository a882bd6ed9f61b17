// `npm start`: README line 1. It will bring up the local five-member consortium (artifacts and
// demo ceremony if missing, five nodes, the dashboard and a traffic generator, on loopback).
// The pieces arrive with later issues; until then it says so, plainly, and exits 0.
const plan = [
  ['demo trusted setup (INSECURE, single party) if build/keys is missing', 'issue #4 (ZKP: the settlement circuit, a prover pool, fast verification and the demo setup)'],
  ['genesis for T-Mobile-DE, Vodafone-UK, Orange-FR, Telenor-NO, SFR-FR', 'issue #3 (Consensus and P2P) and the settlement/node issue'],
  ['five node processes on loopback (libp2p + BFT consensus + settlement)', 'the issue "Settlement, the node app and the local consortium"'],
  ['the live dashboard and alerting', 'the dashboard issue'],
  ['a traffic generator sending roaming usage and statements', 'the issue "Settlement, the node app and the local consortium"'],
] as const;

console.log('SP Consortium Chain: local consortium (devnet)\n');
console.log('`npm start` will run these steps; none is built yet, so nothing is started:\n');
for (const [step, issue] of plan) console.log(`  - ${step}\n      brought by ${issue}`);
console.log('\nWhat works today: the monorepo, libs/telemetry and the checks. Run every test with `npm run test:all`.');
