import type { ConfigChecks } from "./domain-events-config.ts";

/** The largest file an import takes: the importer streams it, and one Lambda invocation must get through it. */
export const IMPORT_FILE_MAX_MB = 100;

/** Bulk import of items from files users upload to the environment's imports bucket (README, "Bulk import"). */
export interface ImportSettings {
  /** Days an uploaded file stays in the bucket (S3 lifecycle expiration of `imports/`). */
  readonly fileRetentionDays: number;
  /** Days a `.result.json` stays in the bucket (expiration of `results/`). */
  readonly resultRetentionDays: number;
  /** Largest file accepted, in MB (at most 100): the upload URL is signed for the declared size, and the importer refuses a larger object. */
  readonly maxFileSizeMb: number;
  /** How long an upload URL stays valid once issued. */
  readonly uploadUrlExpirySeconds: number;
  /** The importer's memory and timeout: a 100 MB file of small rows takes minutes, not the API functions' seconds. */
  readonly importerMemoryMb: number;
  readonly importerTimeoutSeconds: number;
  /**
   * Imports that may run at once (the importer's reserved concurrency): their create commands share the queue of
   * POST /items, so a few files at a time keep everyone's creates moving.
   */
  readonly concurrentImports: number;
  /**
   * Rows one file may hold; the rows after it are not imported and the result says so. It bounds what one upload
   * sets in motion: every row is a command, an item, an outcome pushed and an event.
   */
  readonly maxRowsPerFile: number;
}

export function checkImports(settings: ImportSettings, { check, integerIn }: ConfigChecks): void {
  integerIn("imports.fileRetentionDays", settings.fileRetentionDays, 1, 3650);
  integerIn("imports.resultRetentionDays", settings.resultRetentionDays, 1, 3650);
  check(
    settings.resultRetentionDays >= settings.fileRetentionDays,
    `imports.resultRetentionDays: must be at least imports.fileRetentionDays (${settings.fileRetentionDays}): a file's result must outlive the file, got ${settings.resultRetentionDays}`,
  );
  integerIn("imports.maxFileSizeMb", settings.maxFileSizeMb, 1, IMPORT_FILE_MAX_MB);
  // Presigned URLs of a role's temporary credentials die with the credentials, however long they were signed for.
  integerIn("imports.uploadUrlExpirySeconds", settings.uploadUrlExpirySeconds, 60, 3600);
  integerIn("imports.importerMemoryMb", settings.importerMemoryMb, 128, 10240);
  integerIn("imports.importerTimeoutSeconds", settings.importerTimeoutSeconds, 60, 900);
  integerIn("imports.concurrentImports", settings.concurrentImports, 1, 100);
  integerIn("imports.maxRowsPerFile", settings.maxRowsPerFile, 1, 10_000_000);
}
