// `npm start`: README line 1. It will bring up the local five-member consortium (artifacts and
// demo ceremony if missing, five nodes, the dashboard and a traffic generator, on loopback).
// The pieces arrive with later issues; until then it says so, plainly, and exits 0.
const plan = [
  ['demo trusted setup (INSECURE, single party) if the keys are missing', 'built (issue #4): `consortium-setup ceremony demo`'],
  ['genesis and keys for T-Mobile-DE, Vodafone-UK, Orange-FR, Telenor-NO, SFR-FR', 'built (issues #3, #4): `consortium-setup devnet --keys`'],
  ['five node processes on loopback (libp2p + BFT consensus + settlement)', 'consensus built (issue #3); the settlement application and the launcher come with the issue "Settlement, the node app and the local consortium"'],
  ['the live dashboard and alerting', 'to come with the dashboard issue'],
  ['a traffic generator sending roaming usage and statements', 'to come with the issue "Settlement, the node app and the local consortium"'],
] as const;

console.log('SP Consortium Chain: local consortium (devnet)\n');
console.log('`npm start` will run these steps; the launcher is not built yet, so nothing is started:\n');
for (const [step, status] of plan) console.log(`  - ${step}\n      ${status}`);
console.log('\nWhat works today: five consensus nodes with the key-value test application, started by hand as the');
console.log('README shows (consortium-setup devnet, then consortium-node --config per member). Every test: `npm run test:all`.');
