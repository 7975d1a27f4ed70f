import { createCommandConsumer } from "../lib/command-consumer.ts";
import { commandItemId } from "./command-fields.ts";
import { deleteItem } from "./repository.ts";

export const handler = createCommandConsumer({
  delete: async (command) => {
    const deleted = await deleteItem(commandItemId(command));
    return { id: deleted.id, deleted: true };
  },
});
