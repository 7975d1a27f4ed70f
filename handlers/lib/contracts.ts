// zod/mini is the tree-shakeable build: the full API would add about 440 KB to every bundle.
import * as z from "zod/mini";
import { OPERATIONS, type Operation } from "../catalogue.ts";
import { DESCRIPTION_MAX, LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX, NAME_MAX, TEXT_PATTERN } from "./limits.ts";

export { DESCRIPTION_MAX, LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX, NAME_MAX, OPERATIONS, type Operation };

/**
 * Request ids are API Gateway's `$context.extendedRequestId` made URL-safe (see `REQUEST_ID_OF_CALL` in
 * stacks/api-templates.ts): no client can choose one. The same bounds as the REST API's path rule.
 */
export const requestIdSchema = z
  .string()
  .check(z.regex(/^[A-Za-z0-9_-]{8,64}$/, "must be the requestId of a 202 answer"));
export const itemIdSchema = z.uuid("must be a UUID");
/** The caller: the verified token's `sub` (a user's UUID, or a machine client's id). */
export const ownerSchema = z.string().check(z.regex(/^[A-Za-z0-9-]{1,128}$/, "must be a token subject"));

export const operationSchema = z.enum(OPERATIONS as [Operation, ...Operation[]]);

const text = z.regex(new RegExp(TEXT_PATTERN), "must not contain U+FFFE or U+FFFF");
const name = z
  .string()
  .check(
    z.minLength(1, "must not be empty"),
    z.maxLength(NAME_MAX, `must be at most ${NAME_MAX} characters`),
    text,
  );
const description = z
  .string()
  .check(z.maxLength(DESCRIPTION_MAX, `must be at most ${DESCRIPTION_MAX} characters`), text);

export const createPayloadSchema = z.strictObject({ name, description: z.optional(description) });
export const updatePayloadSchema = z
  .strictObject({ name: z.optional(name), description: z.optional(description) })
  .check(
    z.refine((payload) => payload.name !== undefined || payload.description !== undefined, {
      message: "must set name or description",
    }),
  );
export const listQuerySchema = z.object({
  limit: z._default(
    z.coerce
      .number("must be a number")
      .check(
        z.refine(Number.isInteger, "must be an integer"),
        z.gte(1, "must be at least 1"),
        z.lte(LIST_LIMIT_MAX, `must be at most ${LIST_LIMIT_MAX}`),
      ),
    LIST_LIMIT_DEFAULT,
  ),
  lastKey: z.optional(z.string().check(z.minLength(1, "must not be empty"))),
});

/** The command envelope API Gateway's mapping templates put on the queues. */
export const commandSchema = z.object({
  requestId: requestIdSchema,
  owner: ownerSchema,
  operation: operationSchema,
  id: z.nullish(z.string()),
  payload: z.nullish(z.record(z.string(), z.unknown())),
  query: z.nullish(z.record(z.string(), z.unknown())),
  requestedAt: z
    .number()
    .check(z.refine(Number.isInteger, "must be an integer"), z.gte(0, "must not be negative")),
});
export type Command = z.infer<typeof commandSchema>;

/** An item as its owner sees it. `version` is 1 when created and grows by one with every change. */
export interface Item {
  id: string;
  name: string;
  description?: string;
  created_at: string;
  updated_at: string;
  version: number;
}

/** What a delete answers, also when the item was already deleted by the same user. */
export interface DeletedItem {
  id: string;
  deleted: true;
  version: number;
}

export interface ListResult {
  items: Item[];
  count: number;
  lastKey?: string;
}

/**
 * `CONFLICT`: a change requested before one already applied arrived after it (SQS keeps no order), so applying
 * it would overwrite newer data; the item is left as it is. `REFUSED`: a service refused the command as the
 * caller's fault (an AWS `$fault: "client"` error); retrying would not help.
 */
export const ERROR_CODES = ["VALIDATION", "NOT_FOUND", "CONFLICT", "REFUSED", "INTERNAL"] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export const outcomeSchema = z.discriminatedUnion("status", [
  z.object({
    type: z.literal("notification"),
    requestId: requestIdSchema,
    operation: operationSchema,
    status: z.literal("success"),
    result: z.unknown(),
    completedAt: z.iso.datetime(),
  }),
  z.object({
    type: z.literal("notification"),
    requestId: requestIdSchema,
    operation: operationSchema,
    status: z.literal("error"),
    error: z.object({ code: z.enum(ERROR_CODES), message: z.string() }),
    completedAt: z.iso.datetime(),
  }),
]);
export type Outcome = z.infer<typeof outcomeSchema>;

/**
 * What travels on the notification queue: the outcome and whose it is. The owner routes the push and guards
 * the polling route; the outcome frame itself is what the client receives.
 */
export const notificationSchema = z.object({ owner: ownerSchema, outcome: outcomeSchema });
export type Notification = z.infer<typeof notificationSchema>;

/**
 * Renders zod issues as "field: why; field: why", the shape every validation message takes. zod/mini
 * ships no message locale, so the generic issue kinds are worded here.
 */
export function describeIssues(error: z.core.$ZodError, prefix = ""): string {
  return error.issues
    .map((issue) => {
      const path = [prefix, ...issue.path.map(String)].filter(Boolean).join(".");
      const reason = explainIssue(issue);
      return path ? `${path}: ${reason}` : reason;
    })
    .join("; ");
}

function explainIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case "unrecognized_keys":
      return `unknown field${issue.keys.length === 1 ? "" : "s"} ${issue.keys.map((key) => `"${key}"`).join(", ")}`;
    case "invalid_type":
      return issue.message === "Invalid input" ? `must be ${issue.expected}` : issue.message;
    case "invalid_value":
      return `must be one of ${issue.values.map((value) => JSON.stringify(value)).join(", ")}`;
    default:
      return issue.message;
  }
}
