import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import Ajv from "ajv";

const SCHEMA_FOLDER = path.join(process.cwd(), "schemas", "events");
// RFC 3339 date-time, as JSON Schema's "date-time" format means it (ajv ships no formats of its own).
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

const ajv = new Ajv({ allErrors: true, strict: true });
ajv.addFormat("date-time", (value: string) => DATE_TIME.test(value) && !Number.isNaN(Date.parse(value)));

/** The event schemas of the repository, by the `detail-type` each describes. */
export const EVENT_SCHEMAS: Readonly<Record<string, object>> = Object.fromEntries(
  readdirSync(SCHEMA_FOLDER)
    .filter((file) => file.endsWith(".json"))
    .map((file) => {
      const schema = JSON.parse(readFileSync(path.join(SCHEMA_FOLDER, file), "utf8")) as { title: string };
      return [schema.title, schema];
    }),
);

const validators = Object.fromEntries(
  Object.entries(EVENT_SCHEMAS).map(([type, schema]) => [type, ajv.compile(schema)]),
);

/** Every way `event` breaks the schema of its detail-type ("no schema" when it has none), empty when it fits. */
export function eventSchemaProblems(event: unknown): string[] {
  const type = String((event as Record<string, unknown>)["detail-type"]);
  const validate = validators[type];
  if (!validate) return [`no schema for detail-type ${type}`];
  return validate(event)
    ? []
    : (validate.errors ?? []).map((error) => `${error.instancePath || "/"} ${error.message}`);
}
