import { createCommandConsumer } from "../lib/command-consumer.ts";
import { listQuerySchema } from "../lib/contracts.ts";
import { commandItemId, parseCommandPart } from "./command-fields.ts";
import { listItems, requireItem } from "./repository.ts";

export const handler = createCommandConsumer({
  get: async (command) => requireItem(commandItemId(command), command.owner),
  list: async (command) => {
    const { limit, lastKey } = parseCommandPart(listQuerySchema, command.query, "query");
    return listItems(command.owner, limit, lastKey);
  },
});
