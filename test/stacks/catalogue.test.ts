import { ENVIRONMENT_NAMES, environmentNamed } from "../../environments/index.ts";
import {
  COMMAND_QUEUES,
  catalogueProblems,
  consumerOf,
  HANDLER_ENTRIES,
  OPERATION_CATALOGUE,
  OPERATIONS,
  operationsOn,
} from "../../handlers/catalogue.ts";
import { OPERATIONS as CONTRACT_OPERATIONS } from "../../handlers/lib/contracts.ts";
import { readRestApi } from "../../synthesized/rest-api.ts";
import { readStackModel } from "../../synthesized/service-model.ts";
import { inlinePoliciesOfRole, statementsOf } from "../../synthesized/stack-json.ts";
import { synthesizedStack } from "../support/synthesized.ts";

describe("the operation catalogue", () => {
  it("gives every command queue exactly one consumer, and every operation a bundled handler", () => {
    for (const queue of COMMAND_QUEUES) expect(() => consumerOf(queue)).not.toThrow();
    for (const operation of OPERATIONS)
      expect(HANDLER_ENTRIES).toHaveProperty(OPERATION_CATALOGUE[operation].handler);
  });

  it("refuses a queue with two consumers and a consumer of two queues", () => {
    const get = OPERATION_CATALOGUE.get;
    expect(catalogueProblems()).toEqual([]);
    expect(catalogueProblems({ get, other: { ...get, handler: "items-update" } })).toEqual([
      'queue "read" is consumed by items-read and items-update; one consumer per queue',
    ]);
    expect(catalogueProblems({ get, other: { ...get, queue: "archive" } })).toEqual([
      'handler "items-read" consumes read and archive; one queue per handler',
    ]);
  });

  it("is the handlers' list of operations", () => {
    expect(CONTRACT_OPERATIONS).toEqual(OPERATIONS);
  });
});

describe.each(ENVIRONMENT_NAMES)("the %s stack, derived from the catalogue", (environment) => {
  const stack = synthesizedStack(environment);
  const prefix = environmentNamed(environment).namePrefix;
  const api = readRestApi(stack);
  const model = readStackModel(stack, ".");

  it("routes each operation's method and path to its queue, and nothing else to a queue", () => {
    const queueRoutes = api.routes
      .filter((route) => route.integration.uri?.includes(":sqs:path/"))
      .map((route) => {
        const queueId = /aws_sqs_queue\.([\w-]+)\.name/.exec(route.integration.uri ?? "")?.[1] ?? "";
        return `${route.httpMethod} ${route.path} -> ${String(stack.resource.aws_sqs_queue?.[queueId]?.name)}`;
      })
      .sort();
    const expected = OPERATIONS.map((operation) => {
      const spec = OPERATION_CATALOGUE[operation];
      return `${spec.method} /${spec.path} -> ${prefix}-${spec.queue}`;
    }).sort();
    expect(queueRoutes).toEqual(expected);
  });

  it("feeds each command queue to its consumer, whose role may do exactly its operations' table actions", () => {
    for (const queue of COMMAND_QUEUES) {
      const handler = consumerOf(queue);
      const mapping = model.mappings.find((candidate) => candidate.queue === `${prefix}-${queue}`);
      expect(mapping?.functionName, queue).toBe(`${prefix}-${handler}`);
      const [policy] = inlinePoliciesOfRole(stack, `${prefix}-${handler}`);
      const itemsActions = statementsOf(policy)
        .filter((statement) => statement.Sid === "UseItemsTable")
        .flatMap((statement) => statement.Action ?? []);
      const expected = operationsOn(queue).flatMap(
        (operation) => OPERATION_CATALOGUE[operation].itemsTableActions,
      );
      expect([...itemsActions].sort(), queue).toEqual([...new Set(expected)].sort());
    }
  });
});
