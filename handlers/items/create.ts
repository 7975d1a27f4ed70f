import { createCommandConsumer } from "../lib/command-consumer.ts";
import { createPayloadSchema } from "../lib/contracts.ts";
import { changeOf, parseCommandPart } from "./command-fields.ts";
import { createItem } from "./repository.ts";

export const handler = createCommandConsumer({
  create: async (command) =>
    createItem(
      parseCommandPart(createPayloadSchema, command.payload, "payload"),
      changeOf(command),
      new Date(),
    ),
});
