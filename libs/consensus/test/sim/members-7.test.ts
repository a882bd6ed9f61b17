import { describe } from 'vitest';
import { itRunsSeeds } from './seeds.js';

describe('deterministic simulation, 7 members', () => itRunsSeeds(7));
