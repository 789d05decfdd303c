// The run API of the bulk path: what the shells (cli/, functions/) call to settle a ledger.
export { runLedger, runPlan, rowsHintOf, settledRun, comparisonOfRuns, DEFAULT_LIMITS, type RunRequest, type RunOutcome, type RunLimits } from './run';
export { splitParts, settlePart, dedupeParts, RunMerger, HalfSettler, type ChunkSource, type BatchReader, type PartHelper, type Halves, type PartJob, type LedgerInput, type MergedRun } from './partitioned';
export { partName, readPart, type PartStorage } from './storage';
