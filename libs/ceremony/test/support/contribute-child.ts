// A member's contribution in a process of its own, for the test that watches what it writes
// (secrets.test.ts runs it under strace): the workspace at argv[2], as member argv[3].
import { openSetupCurve } from '@consortium/zkp';
import { CeremonyWorkspace } from '../../src/index.js';
import { testMembers } from './tiny-ceremony.js';

const [dir, member, count] = process.argv.slice(2) as [string, string, string];
const members = testMembers(Number(count));
const workspace = await CeremonyWorkspace.open(dir);
const curve = await openSetupCurve();
await workspace.contribute(member, members.signers.get(member)!, curve);
await curve.terminate();
