import { createCommandConsumer } from "../lib/command-consumer.ts";
import { createPayloadSchema } from "../lib/contracts.ts";
import { parseCommandPart } from "./command-fields.ts";
import { createItem } from "./repository.ts";

export const handler = createCommandConsumer({
  // The SQS message id survives redelivery, so it makes a stable item id (the request id is client-settable).
  create: async (command, record) =>
    createItem(
      record.messageId,
      parseCommandPart(createPayloadSchema, command.payload, "payload"),
      new Date(),
    ),
});
