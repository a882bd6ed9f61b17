import { describe } from 'vitest';
import { itRunsSeeds } from './seeds.js';

describe('deterministic simulation, 4 members', () => itRunsSeeds(4));
