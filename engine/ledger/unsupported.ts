/** The columnar ledger cannot take this run (the platform's column names, an over-long key …): use settleLedger. */
export class BulkUnsupported extends Error {}
