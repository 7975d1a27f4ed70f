import { Agent, createServer, request as httpRequest, type Server } from "node:http";
import { crc32 } from "node:zlib";
import type { TableModel } from "../../synthesized/service-model.ts";
import type { Chaos } from "./chaos.ts";

const WRITES = new Set(["PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"]);

type AttributeMap = Record<string, unknown>;

export interface DynamoChaosProxy {
  readonly endpoint: string;
  close(): Promise<void>;
}

/**
 * A DynamoDB endpoint in front of the local one that does what DynamoDB does to code under load: a call fails
 * now and then with a retryable error (500, or throttling), and a write reaches the table's global secondary
 * indexes late, so a query of an index answers without an item written a moment ago. Everything else passes
 * through unchanged.
 */
export async function startDynamoChaosProxy(
  target: string,
  tables: readonly TableModel[],
  chaos: Chaos,
): Promise<DynamoChaosProxy> {
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const keysOf = new Map(
    tables.map((table) => [table.name, [table.hashKey, ...(table.rangeKey ? [table.rangeKey] : [])]]),
  );
  /** `table key` of each recent write, with when the indexes see it. */
  const indexedAt = new Map<string, number>();
  const keyOf = (table: string, item: AttributeMap) =>
    `${table} ${JSON.stringify((keysOf.get(table) ?? []).map((name) => item[name]))}`;

  const recordWrite = (action: string, input: Record<string, unknown>) => {
    const now = Date.now();
    if (indexedAt.size > 10_000) for (const [key, at] of indexedAt) if (at <= now) indexedAt.delete(key);
    const visible = now + chaos.delay(chaos.rates.indexLagMs);
    const note = (table: string, item: AttributeMap | undefined) => {
      if (item) indexedAt.set(keyOf(table, item), visible);
    };
    if (action === "BatchWriteItem") {
      for (const [table, writes] of Object.entries(
        (input.RequestItems ?? {}) as Record<string, AttributeMap[]>,
      ))
        for (const write of writes)
          note(
            table,
            (write.PutRequest as { Item?: AttributeMap })?.Item ??
              (write.DeleteRequest as { Key?: AttributeMap })?.Key,
          );
      return;
    }
    const table = String(input.TableName);
    note(table, (input.Item ?? input.Key) as AttributeMap | undefined);
  };

  /** The index's answer as it is before late writes arrive: without the items written too recently. */
  const lagging = (body: string) => {
    const output = JSON.parse(body) as { Items?: AttributeMap[]; Count?: number };
    const now = Date.now();
    return (table: string) => {
      const items = (output.Items ?? []).filter((item) => (indexedAt.get(keyOf(table, item)) ?? 0) <= now);
      if (items.length === output.Items?.length) return body;
      return JSON.stringify({ ...output, Items: items, Count: items.length });
    };
  };

  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const payload = Buffer.concat(chunks);
    const action = String(request.headers["x-amz-target"] ?? "").split(".")[1] ?? "";
    const answer = (status: number, type: string, message: string) => {
      response.writeHead(status, { "content-type": "application/x-amz-json-1.0" });
      response.end(JSON.stringify({ __type: type, message }));
    };
    if (chaos.strikes("DynamoDB call failed", chaos.rates.sdkFault)) {
      return chaos.random() < 0.5
        ? answer(500, "com.amazonaws.dynamodb.v20120810#InternalServerError", "Internal server error")
        : answer(
            400,
            "com.amazonaws.dynamodb.v20120810#ThrottlingException",
            "Rate of requests exceeds the allowed throughput.",
          );
    }
    const upstream = httpRequest(
      new URL(request.url ?? "/", target),
      { method: request.method, headers: request.headers, agent },
      async (reply) => {
        const parts: Buffer[] = [];
        for await (const part of reply) parts.push(part as Buffer);
        let body = Buffer.concat(parts).toString("utf8");
        const input = JSON.parse(payload.toString("utf8") || "{}") as Record<string, unknown>;
        if (reply.statusCode === 200 && WRITES.has(action)) recordWrite(action, input);
        if (reply.statusCode === 200 && action === "Query" && input.IndexName)
          body = lagging(body)(String(input.TableName));
        const headers: Record<string, string | string[] | undefined> = {
          ...reply.headers,
          "content-length": String(Buffer.byteLength(body)),
        };
        // The body is read whole and may be rewritten: it goes out with its length, never in chunks.
        delete headers["transfer-encoding"];
        // The SDK checks DynamoDB's checksum of the body, so a changed body gets its own.
        if (headers["x-amz-crc32"]) headers["x-amz-crc32"] = String(crc32(body));
        response.writeHead(reply.statusCode ?? 500, headers);
        response.end(body);
      },
    );
    upstream.once("error", (error) =>
      answer(500, "com.amazonaws.dynamodb.v20120810#InternalServerError", error.message),
    );
    upstream.end(payload);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
