import {
  type LocalEmulation,
  resolveEnvironment,
  unemulatedResourceTypes,
  unresolvedValue,
} from "../../local/emulations.ts";
import type { StackJson } from "../../synthesized/stack-json.ts";

/** A Terraform interpolation, `${expression}`, as the stack writes it into a value. */
const tf = (expression: string) => `\${${expression}}`;

const stack: StackJson = {
  terraform: {},
  provider: {},
  resource: {
    aws_dynamodb_table: { items: { name: "crud-dev-items" } },
    aws_apigatewayv2_stage: { stage: { name: "live" } },
    aws_cognito_user_pool: { pool: { name: "crud-dev-users" } },
  },
};
const tables: LocalEmulation = {
  service: "DynamoDB",
  references: {
    aws_dynamodb_table: (table, attribute) => (attribute === "name" ? String(table.values.name) : undefined),
  },
};
const websocket: LocalEmulation = {
  service: "API Gateway (WebSocket)",
  references: { aws_apigatewayv2_stage: () => "wss://127.0.0.1:3001/live" },
};

describe("the local runner's emulations", () => {
  it("resolves references through the emulation of their resource type, replace() and join() included", () => {
    const { variables, unresolved } = resolveEnvironment(
      stack,
      {
        TABLE: tf("aws_dynamodb_table.items.name"),
        CALLBACK: tf('replace(aws_apigatewayv2_stage.stage.invoke_url, "wss://", "https://")'),
        PLAIN: "as is",
        BOTH: tf('join(",", [aws_dynamodb_table.items.name, aws_dynamodb_table.items.name])'),
      },
      [tables, websocket],
    );
    expect(variables).toEqual({
      TABLE: "crud-dev-items",
      CALLBACK: "https://127.0.0.1:3001/live",
      PLAIN: "as is",
      BOTH: "crud-dev-items,crud-dev-items",
    });
    expect(unresolved).toEqual([]);
  });

  it("starts without an emulation for a new service, handing over a value that names what is missing", () => {
    const { variables, unresolved } = resolveEnvironment(
      stack,
      { POOL: tf("aws_cognito_user_pool.pool.id"), ATTRIBUTE: tf("aws_dynamodb_table.items.stream_arn") },
      [tables],
    );
    expect(variables).toEqual({
      POOL: unresolvedValue("aws_cognito_user_pool.pool.id"),
      ATTRIBUTE: unresolvedValue("aws_dynamodb_table.items.stream_arn"),
    });
    expect(unresolved).toEqual([
      `POOL: ${tf("aws_cognito_user_pool.pool.id")}`,
      `ATTRIBUTE: ${tf("aws_dynamodb_table.items.stream_arn")}`,
    ]);
  });

  it("refuses a reference to a resource the stack does not declare", () => {
    expect(() => resolveEnvironment(stack, { X: tf("aws_dynamodb_table.missing.name") }, [tables])).toThrow(
      /refers to aws_dynamodb_table\.missing, which it does not declare/,
    );
  });

  it("lists the resource types that no emulation serves", () => {
    expect(unemulatedResourceTypes(stack, [tables, websocket])).toEqual(["aws_cognito_user_pool"]);
  });
});
