import { coldChild } from './memory-cold.js';

// The start-up child of `pnpm bench memory` (see coldStart in memory-cold.ts): an entry of its own,
// so that a launch loads steward and nothing of the benchmark's (its tables, corpora and peers).
await coldChild();
