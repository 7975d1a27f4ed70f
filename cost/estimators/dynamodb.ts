import { resourcesOf } from "../../synthesized/stack-json.ts";
import type { ServiceEstimator } from "../types.ts";

const WRITES = new Set(["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"]);

/** On-demand read and write units as measured per call, plus one write unit per global index per write. */
export const dynamodb: ServiceEstimator = {
  service: "DynamoDB",
  prices: ["aws_dynamodb_table"],
  estimate: (context) => {
    let reads = 0;
    let writes = 0;
    const tables = resourcesOf(context.stack, "aws_dynamodb_table");
    for (const [name, invocations] of context.invocations) {
      for (const [key, usage] of Object.entries(context.measured.functions[name]?.dynamodb ?? {})) {
        const [operation = "", suffix = ""] = key.split(" ");
        if (!WRITES.has(operation)) {
          reads += invocations * usage.capacityUnits;
          continue;
        }
        const table = tables.find((candidate) => candidate.values.name === `${context.namePrefix}-${suffix}`);
        const indexes = ((table?.values.global_secondary_index as unknown[] | undefined) ?? []).length;
        writes += invocations * (usage.capacityUnits + usage.calls * indexes);
      }
    }
    return [
      {
        item: "write request units",
        quantity: writes,
        priceKey: "dynamodb.write-request-units",
        fixed: false,
      },
      { item: "read request units", quantity: reads, priceKey: "dynamodb.read-request-units", fixed: false },
    ];
  },
};
