import Ajv from "ajv-draft-04";
import { OPERATION_CATALOGUE, OPERATIONS } from "../../handlers/catalogue.ts";
import { LIST_LIMIT_MAX } from "../../handlers/lib/limits.ts";
import { matchRoute, readRestApi } from "../../synthesized/rest-api.ts";
import {
  API_REQUEST_ID,
  CALLER_SUB,
  callRoute,
  EXTENDED_REQUEST_ID,
  REQUEST_TIME_EPOCH,
} from "../support/rest-call.ts";
import { resourcesOfType, synthesizedStack } from "../support/synthesized.ts";

const stack = synthesizedStack("dev");
const table = readRestApi(stack);
const ITEM_ID = "6f1c2a4e-8b7d-4c3e-9a2f-0d1e2f3a4b5c";
const REQUEST_ID = API_REQUEST_ID;
const FORM_FIELDS = [
  "Action",
  "MessageBody",
  "MessageAttribute.1.Name",
  "MessageAttribute.1.Value.DataType",
  "MessageAttribute.1.Value.StringValue",
  "MessageAttribute.2.Name",
  "MessageAttribute.2.Value.DataType",
  "MessageAttribute.2.Value.StringValue",
];

const HOSTILE = [
  "&",
  "=",
  "+",
  "%",
  "%26MessageBody%3Dx",
  "&Action=DeleteQueue&QueueUrl=https://sqs.example/other",
  "MessageAttribute.3.Name=evil",
  '"quoted"',
  "'single'",
  "back\\slash\\",
  "new\nline\r\ttab",
  "unicode é € 😀 \u2028\u2029",
  "#set($x = 1)$x",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: hostile input that must stay literal text
  "$context.requestId ${context.requestId} $util.urlEncode('x')",
  '{"nested":{"json":[1,2,{"deep":"x"}]}}',
  "</MessageBody>]]>",
];

function envelope(answer: { sent?: { messageBody: string } }) {
  expect(answer.sent, "the call reached SQS").toBeDefined();
  return JSON.parse(answer.sent?.messageBody ?? "");
}

describe("the REST routes", () => {
  it("are exactly the documented ones, each resource with a CORS preflight", () => {
    expect(table.routes.map((route) => `${route.httpMethod} ${route.path}`).sort()).toEqual([
      "DELETE /items/{id}",
      "GET /items",
      "GET /items/{id}",
      "GET /requests/{requestId}",
      "OPTIONS /imports",
      "OPTIONS /items",
      "OPTIONS /items/{id}",
      "OPTIONS /requests",
      "OPTIONS /requests/{requestId}",
      "POST /imports",
      "POST /items",
      "PUT /items/{id}",
    ]);
  });

  it("require a user-pool token with the operation's scope on every route but the preflights", () => {
    const scopes = new Map(
      OPERATIONS.map((operation) => {
        const spec = OPERATION_CATALOGUE[operation];
        return [`${spec.method} /${spec.path}`, [spec.scope]];
      }),
    );
    scopes.set("GET /requests/{requestId}", ["items/read"]);
    scopes.set("POST /imports", ["items/write"]);
    for (const route of table.routes) {
      const key = `${route.httpMethod} ${route.path}`;
      if (route.httpMethod === "OPTIONS") {
        expect(route.authorization, key).toBe("NONE");
        continue;
      }
      expect(route.authorization, key).toBe("COGNITO_USER_POOLS");
      expect(route.authorizationScopes, key).toEqual(scopes.get(key));
    }
  });

  it("require an API key on every route but the preflights, and never pass unmapped bodies through", () => {
    for (const route of table.routes) {
      expect(route.apiKeyRequired, `${route.httpMethod} ${route.path}`).toBe(route.httpMethod !== "OPTIONS");
      if (route.integration.type === "AWS") expect(route.integration.passthroughBehavior).toBe("NEVER");
    }
  });

  it("validate bodies against their models and parameters everywhere", () => {
    const byKey = new Map(table.routes.map((route) => [`${route.httpMethod} ${route.path}`, route]));
    expect(byKey.get("POST /imports")).toMatchObject({
      requestModel: "CreateImport",
      validator: { body: true, parameters: true },
      integration: { type: "AWS_PROXY" },
    });
    expect(byKey.get("POST /items")).toMatchObject({
      requestModel: "CreateItem",
      validator: { body: true, parameters: true },
    });
    expect(byKey.get("PUT /items/{id}")).toMatchObject({
      requestModel: "UpdateItem",
      validator: { body: true, parameters: true },
    });
    for (const key of ["GET /items", "GET /items/{id}", "DELETE /items/{id}", "GET /requests/{requestId}"]) {
      expect(byKey.get(key)?.validator, key).toEqual({ body: false, parameters: true });
    }
    expect(byKey.get("GET /items/{id}")?.requestParameters).toEqual({ "method.request.path.id": true });
    expect(byKey.get("GET /items")?.requestParameters).toEqual({
      "method.request.querystring.limit": false,
      "method.request.querystring.lastKey": false,
    });
  });
});

describe("each command route puts exactly the documented command on its queue", () => {
  it.each([
    [
      "POST",
      "/items",
      { body: '{"name":"Lamp","description":"Brass"}' },
      "create",
      "create",
      null,
      { name: "Lamp", description: "Brass" },
      null,
      "Item creation request received",
    ],
    ["GET", "/items", {}, "read", "list", null, null, { limit: 20 }, "Item list request received"],
    [
      "GET",
      "/items",
      { querystring: { limit: "5", lastKey: "eyJpZCI6IngifQ" } },
      "read",
      "list",
      null,
      null,
      { limit: 5, lastKey: "eyJpZCI6IngifQ" },
      "Item list request received",
    ],
    ["GET", `/items/${ITEM_ID}`, {}, "read", "get", ITEM_ID, null, null, "Item read request received"],
    [
      "PUT",
      `/items/${ITEM_ID}`,
      { body: '{"description":"Copper"}' },
      "update",
      "update",
      ITEM_ID,
      { description: "Copper" },
      null,
      "Item update request received",
    ],
    [
      "DELETE",
      `/items/${ITEM_ID}`,
      {},
      "delete",
      "delete",
      ITEM_ID,
      null,
      null,
      "Item deletion request received",
    ],
  ] as const)("%s %s", (method, path, call, queue, operation, id, payload, query, message) => {
    const answer = callRoute(table, method, path, call);

    expect(answer.status).toBe(202);
    expect(JSON.parse(answer.body)).toEqual({ message, requestId: REQUEST_ID });
    expect(Object.keys(answer.sent?.fields ?? {}).sort()).toEqual([...FORM_FIELDS].sort());
    expect(answer.sent?.messageAttributes).toEqual({
      operation: { dataType: "String", stringValue: operation },
      requestId: { dataType: "String", stringValue: REQUEST_ID },
    });
    expect(envelope(answer)).toEqual({
      requestId: REQUEST_ID,
      owner: CALLER_SUB,
      operation,
      id,
      payload,
      query,
      requestedAt: REQUEST_TIME_EPOCH,
    });
    const uri = matchRoute(table, method, path)?.route.integration.uri ?? "";
    const queueId = /\$\{aws_sqs_queue\.([\w-]+)\.name\}$/.exec(uri)?.[1] ?? "";
    expect(uri).toMatch(/:apigateway:eu-west-1:sqs:path\/111111111111\//);
    expect(resourcesOfType(stack, "aws_sqs_queue")[queueId]?.name).toBe(`crud-dev-${queue}`);
  });
});

describe("hostile input", () => {
  it.each(HOSTILE)("a body value of %j round-trips byte-exact and adds or alters no field", (value) => {
    const body = { name: value, description: `${value}|${value}` };

    const answer = callRoute(table, "PUT", `/items/${ITEM_ID}`, { body: JSON.stringify(body) });

    expect(answer.status).toBe(202);
    expect(Object.keys(answer.sent?.fields ?? {}).sort()).toEqual([...FORM_FIELDS].sort());
    expect(answer.sent?.fields.Action).toBe("SendMessage");
    const command = envelope(answer);
    expect(Object.keys(command)).toEqual([
      "requestId",
      "owner",
      "operation",
      "id",
      "payload",
      "query",
      "requestedAt",
    ]);
    expect(command).toMatchObject({ requestId: REQUEST_ID, operation: "update", id: ITEM_ID, payload: body });
    expect(answer.sent?.messageAttributes.operation?.stringValue).toBe("update");
  });

  it.each(HOSTILE)(
    "a client-chosen X-Amzn-RequestId of %j changes nothing: the request id is API Gateway's own",
    (chosen) => {
      const answer = callRoute(table, "POST", "/items", { body: '{"name":"x"}', requestId: chosen });

      expect(JSON.parse(answer.body)).toEqual({
        message: "Item creation request received",
        requestId: REQUEST_ID,
      });
      expect(envelope(answer).requestId).toBe(REQUEST_ID);
      expect(answer.sent?.messageAttributes.requestId?.stringValue).toBe(REQUEST_ID);
    },
  );

  it.each(["AAAAAAAAAAAAAAA=", "+++///+++///+++=", "abc/def+ghi/jkl="])(
    "makes the extended request id %j URL-safe, the same in the answer, the envelope and the attribute",
    (extendedRequestId) => {
      const expected = extendedRequestId.replaceAll("+", "-").replaceAll("/", "_").replaceAll("=", "");

      const answer = callRoute(table, "DELETE", `/items/${ITEM_ID}`, { extendedRequestId });

      expect(expected).toMatch(/^[A-Za-z0-9_-]{8,64}$/);
      expect(JSON.parse(answer.body).requestId).toBe(expected);
      expect(envelope(answer).requestId).toBe(expected);
      expect(answer.sent?.messageAttributes.requestId?.stringValue).toBe(expected);
    },
  );

  it.each(HOSTILE)("a token subject of %j reaches the envelope exactly, as the only owner", (sub) => {
    const answer = callRoute(table, "POST", "/items", {
      body: JSON.stringify({ name: "x", owner: "someone-else" }),
      claims: { sub },
    });

    expect(Object.keys(answer.sent?.fields ?? {}).sort()).toEqual([...FORM_FIELDS].sort());
    expect(envelope(answer).owner).toBe(sub);
  });

  it("keeps the largest valid body far below SQS's 256 KiB message limit", () => {
    // Every character at its most expensive: escaped by JSON, then percent-encoded as four UTF-8 bytes.
    const body = JSON.stringify({ name: "😀".repeat(100), description: '"\\😀'.repeat(500) });

    const answer = callRoute(table, "POST", "/items", { body });

    expect(envelope(answer).payload).toEqual(JSON.parse(body));
    expect(Buffer.byteLength(answer.sent?.messageBody ?? "")).toBeLessThan(16 * 1024);
  });

  it.each([
    "not-a-uuid",
    `${ITEM_ID}&Action=DeleteQueue`,
    `${ITEM_ID}\n`,
    ITEM_ID.slice(0, -1),
    "../../requests",
    `${ITEM_ID}%26MessageBody%3Dx`,
  ])("refuses the path id %j with 400 and queues nothing", (id) => {
    for (const method of ["GET", "PUT", "DELETE"] as const) {
      const answer = callRoute(table, method, `/items/${encodeURIComponent(id)}`, { body: '{"name":"x"}' });

      expect(answer.sent, method).toBeUndefined();
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body)).toEqual({ error: "id: must be a UUID" });
    }
  });

  it.each([
    [{ limit: "0" }, "limit: must be an integer from 1 to 100"],
    [{ limit: "101" }, "limit: must be an integer from 1 to 100"],
    [{ limit: "5&Action=x" }, "limit: must be an integer from 1 to 100"],
    [{ limit: "1e2" }, "limit: must be an integer from 1 to 100"],
    [{ lastKey: "a=b" }, "lastKey: must be the lastKey of a previous list"],
    [{ lastKey: '"},"payload":{"x":1}' }, "lastKey: must be the lastKey of a previous list"],
  ])("refuses the list query %j with 400 and queues nothing", (querystring, error) => {
    const answer = callRoute(table, "GET", "/items", { querystring });

    expect(answer.sent).toBeUndefined();
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ error });
  });

  it("accepts exactly the limits the consumer accepts, 1 to LIST_LIMIT_MAX", () => {
    for (let limit = 0; limit <= LIST_LIMIT_MAX + 1; limit += 1) {
      const answer = callRoute(table, "GET", "/items", { querystring: { limit: String(limit) } });
      const inRange = limit >= 1 && limit <= LIST_LIMIT_MAX;
      expect(answer.status, `limit ${limit}`).toBe(inRange ? 202 : 400);
      if (inRange) expect(envelope(answer).query).toEqual({ limit });
    }
  });

  it("reads the list query only from the query string: a header of the same name cannot stand in", () => {
    const answer = callRoute(table, "GET", "/items", { header: { limit: "500", lastKey: "&x" } });

    expect(answer.status).toBe(202);
    expect(envelope(answer).query).toEqual({ limit: 20 });
  });
});

describe("GET /requests/{requestId}", () => {
  it("reads the outcome consistently from the requests table", () => {
    const answer = callRoute(table, "GET", `/requests/${REQUEST_ID}`);

    expect(answer.dynamoRequest).toEqual({
      TableName: "crud-dev-requests",
      Key: { requestId: { S: REQUEST_ID } },
      ConsistentRead: true,
      ProjectionExpression: "outcome, #owner",
      ExpressionAttributeNames: { "#owner": "owner" },
    });
  });

  it("answers 200 with the stored outcome frame exactly as stored, to its owner only", () => {
    const stored = JSON.stringify({
      type: "notification",
      requestId: REQUEST_ID,
      operation: "create",
      status: "success",
      result: { id: ITEM_ID, name: 'A "quoted" & odd\nname' },
      completedAt: "2026-11-22T10:00:00.000Z",
    });

    const storedOutcomes = { [REQUEST_ID]: { outcome: stored, owner: CALLER_SUB } };
    const answer = callRoute(table, "GET", `/requests/${REQUEST_ID}`, { storedOutcomes });
    const stranger = callRoute(table, "GET", `/requests/${REQUEST_ID}`, {
      storedOutcomes,
      claims: { sub: "8d2f0e6a-0000-4000-8000-00000000b0b0" },
    });
    const unknown = callRoute(table, "GET", `/requests/${REQUEST_ID}`);

    expect(answer.status).toBe(200);
    expect(answer.body).toBe(stored);
    expect(stranger.status).toBe(404);
    expect(stranger.body).toBe(unknown.body);
  });

  it("answers 404 JSON while there is no outcome", () => {
    const answer = callRoute(table, "GET", `/requests/${REQUEST_ID}`);

    expect(answer.status).toBe(404);
    expect(JSON.parse(answer.body)).toEqual({
      error: "no outcome for this request yet: it is pending, unknown or expired",
      requestId: REQUEST_ID,
    });
  });

  it.each(HOSTILE)("keeps the DynamoDB request valid for the id %j and answers 400", (requestId) => {
    const answer = callRoute(table, "GET", `/requests/${encodeURIComponent(requestId)}`);

    expect(answer.dynamoRequest).toMatchObject({
      TableName: "crud-dev-requests",
      Key: { requestId: { S: requestId } },
    });
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body)).toEqual({ error: "requestId: must be the requestId of a 202 answer" });
  });
});

describe("CORS", () => {
  it("echoes an allowed origin on answers and errors, and no other origin", () => {
    const allowed = { header: { Origin: "http://127.0.0.1:3000" }, body: '{"name":"x"}' };
    expect(callRoute(table, "POST", "/items", allowed).headers).toMatchObject({
      "Access-Control-Allow-Origin": "http://127.0.0.1:3000",
      Vary: "Origin",
    });
    expect(callRoute(table, "GET", "/items/bad", allowed).headers["Access-Control-Allow-Origin"]).toBe(
      "http://127.0.0.1:3000",
    );
    expect(
      callRoute(table, "POST", "/items", { header: { Origin: "https://evil.example" }, body: '{"name":"x"}' })
        .headers,
    ).not.toHaveProperty("Access-Control-Allow-Origin");
  });

  it("answers preflights with the resource's methods and the headers clients send", () => {
    const answer = callRoute(table, "OPTIONS", "/items/x", { header: { origin: "http://localhost:3000" } });

    expect(answer.status).toBe(204);
    expect(answer.headers).toEqual({
      "Access-Control-Allow-Origin": "http://localhost:3000",
      "Access-Control-Allow-Methods": "GET,PUT,DELETE,OPTIONS",
      "Access-Control-Allow-Headers": "Content-Type,Authorization,X-Api-Key",
      "Access-Control-Max-Age": "600",
      Vary: "Origin",
    });
  });
});

describe("request models", () => {
  const ajv = new Ajv({ allErrors: true });
  const validate = (model: string, body: unknown) => ajv.validate(table.models[model] as object, body);

  it.each([
    [{ name: "Lamp" }, true],
    [{ name: "Lamp", description: "Brass" }, true],
    [{}, false],
    [{ name: "" }, false],
    [{ name: "x".repeat(201) }, false],
    [{ name: 5 }, false],
    [{ name: "Lamp", colour: "red" }, false],
    [{ name: "Lamp", description: "x".repeat(2001) }, false],
    // Noncharacters SQS refuses to carry: the command could not be queued, so API Gateway refuses the body.
    [{ name: "Lamp \uffff" }, false],
    [{ name: "\ufffe" }, false],
    [{ name: "Lamp", description: "\uffff" }, false],
    [{ name: "😀 é \ufffd \u2028" }, true],
  ])("CreateItem %j is %s", (body, valid) => {
    expect(validate("CreateItem", body)).toBe(valid);
  });

  it.each([
    [{ name: "Lamp" }, true],
    [{ description: "" }, true],
    [{}, false],
    [{ id: "x" }, false],
    [{ description: "\uffff" }, false],
  ])("UpdateItem %j is %s", (body, valid) => {
    expect(validate("UpdateItem", body)).toBe(valid);
  });
});

describe("gateway responses", () => {
  it("answer JSON for every error API Gateway raises itself, unknown routes with 404", () => {
    const substitute = (template: string) =>
      template
        .replaceAll("$context.error.validationErrorString", "Invalid request body")
        .replaceAll("$context.error.messageString", '"Forbidden"')
        .replaceAll("$context.extendedRequestId", EXTENDED_REQUEST_ID);
    for (const [type, response] of Object.entries(table.gatewayResponses)) {
      expect(() => JSON.parse(substitute(response.template)), type).not.toThrow();
      expect(JSON.parse(substitute(response.template)), type).toHaveProperty("error");
    }
    expect(table.gatewayResponses.MISSING_AUTHENTICATION_TOKEN).toEqual({
      statusCode: "404",
      template: '{"error":"no route for this method and path"}',
      headers: { "Access-Control-Allow-Origin": "http://127.0.0.1:3000", Vary: "Origin" },
    });
    expect(table.gatewayResponses.DEFAULT_5XX?.template).not.toMatch(/message|integration/);
  });
});
