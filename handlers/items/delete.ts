import { createCommandConsumer } from "../lib/command-consumer.ts";
import { changeOf, commandItemId } from "./command-fields.ts";
import { deleteItem } from "./repository.ts";

export const handler = createCommandConsumer({
  delete: async (command) => deleteItem(commandItemId(command), changeOf(command), new Date()),
});
