import type * as z from "zod/mini";
import { type Command, describeIssues, itemIdSchema } from "../lib/contracts.ts";
import { PermanentError } from "../lib/errors.ts";
import type { ChangeContext } from "./repository.ts";

/** Who asked, and when API Gateway accepted the command: what orders and guards every change. */
export function changeOf(command: Command): ChangeContext {
  return { owner: command.owner, requestId: command.requestId, requestedAt: command.requestedAt };
}

/** The command's item id, or a VALIDATION fault naming the field. */
export function commandItemId(command: Command): string {
  const parsed = itemIdSchema.safeParse(command.id);
  if (!parsed.success) throw new PermanentError("VALIDATION", describeIssues(parsed.error, "id"));
  return parsed.data;
}

/** Parses one part of the command with its schema, reporting problems under that part's name. */
export function parseCommandPart<Schema extends z.ZodMiniType>(
  schema: Schema,
  value: unknown,
  field: "payload" | "query",
): z.infer<Schema> {
  const parsed = schema.safeParse(value ?? {});
  if (!parsed.success) throw new PermanentError("VALIDATION", describeIssues(parsed.error, field));
  return parsed.data;
}
