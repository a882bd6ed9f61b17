import { describe } from 'vitest';
import { itRunsSeeds } from './seeds.js';

describe('deterministic simulation, 5 members', () => itRunsSeeds(5));
