import { createCommandConsumer } from "../lib/command-consumer.ts";
import { updatePayloadSchema } from "../lib/contracts.ts";
import { changeOf, commandItemId, parseCommandPart } from "./command-fields.ts";
import { updateItem } from "./repository.ts";

export const handler = createCommandConsumer({
  update: async (command) =>
    updateItem(
      commandItemId(command),
      parseCommandPart(updatePayloadSchema, command.payload, "payload"),
      changeOf(command),
      new Date(),
    ),
});
