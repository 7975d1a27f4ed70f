import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../../environments/environment-config.ts";
import { IMPORTS_PREFIX, RESULTS_PREFIX } from "../../handlers/imports/layout.ts";
import { BulkImport } from "../constructs/bulk-import.ts";
import type { BundledFunction } from "../constructs/bundled-function.ts";
import type { Foundation } from "./foundation.ts";

/** Bulk import, part 1: the imports bucket; before the functions step, which gives the importer its access. */
export function addImports(scope: Construct, config: EnvironmentConfig, foundation: Foundation): BulkImport {
  return new BulkImport(scope, "imports", {
    // Bucket names are global: the account keeps two accounts' environments of one prefix apart.
    bucketName: `${config.namePrefix}-imports-${config.accountId}`,
    kmsKeyArn: foundation.keyArn,
    accountId: config.accountId,
    uploadsPrefix: IMPORTS_PREFIX,
    resultsPrefix: RESULTS_PREFIX,
    fileRetentionDays: config.imports.fileRetentionDays,
    resultRetentionDays: config.imports.resultRetentionDays,
  });
}

/** Bulk import, part 2: every upload starts the importer. */
export function importUploads(imports: BulkImport, importer: BundledFunction): void {
  imports.importWith(importer);
}
