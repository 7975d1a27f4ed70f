// The stream recorder's thread: a DynamoDB endpoint in front of dynalite that records every committed write of the
// recorded tables and posts each change to the runner. Bundled by esbuild when the runner starts (a worker loads
// JavaScript only); its own thread keeps the recording off the runner's main thread, as dynalite's is.
import { Agent, createServer, type IncomingHttpHeaders, request } from "node:http";
import { parentPort, workerData } from "node:worker_threads";
import { type RecordedTable, StreamRecorder, type UpstreamResponse } from "./recorder.ts";
import { SERVICE_PRINCIPAL_PATH } from "./service-path.ts";

const { upstream, tables } = workerData as { upstream: string; tables: RecordedTable[] };
const target = new URL(upstream);
const agent = new Agent({ keepAlive: true, maxSockets: 64 });
const port = parentPort;
if (!port) throw new Error("the stream recorder runs as a worker thread");

/** Sends one request to dynalite with the client's own headers (dynalite checks their form, not the signature). */
function forward(headers: IncomingHttpHeaders, operation: string, body: string): Promise<UpstreamResponse> {
  const outgoing: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers))
    if (value !== undefined && !["host", "content-length", "connection"].includes(name))
      outgoing[name] = Array.isArray(value) ? value.join(", ") : value;
  outgoing["x-amz-target"] = `DynamoDB_20120810.${operation}`;
  outgoing["content-length"] = String(Buffer.byteLength(body));
  return new Promise((resolve, reject) => {
    const call = request(
      { host: target.hostname, port: target.port, path: "/", method: "POST", headers: outgoing, agent },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.once("error", reject);
        response.once("end", () => {
          const passed: Record<string, string> = {};
          for (const name of ["content-type", "x-amzn-requestid", "x-amz-crc32"]) {
            const value = response.headers[name];
            if (typeof value === "string") passed[name] = value;
          }
          resolve({ status: response.statusCode ?? 500, headers: passed, body: Buffer.concat(chunks) });
        });
      },
    );
    call.once("error", reject);
    call.end(body);
  });
}

const recorder = new StreamRecorder(tables, (change) => port.postMessage({ change }));

const server = createServer(async (incoming, outgoing) => {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks).toString("utf8");
  const operation = String(incoming.headers["x-amz-target"] ?? "").split(".")[1] ?? "";
  const byService = (incoming.url ?? "").startsWith(SERVICE_PRINCIPAL_PATH);
  const send = (name: string, payload: string) => forward(incoming.headers, name, payload);
  try {
    const response = recorder.records(operation, body)
      ? await recorder.handle(operation, body, send, byService)
      : await send(operation, body);
    outgoing.writeHead(response.status, response.headers);
    outgoing.end(response.body);
  } catch (error) {
    outgoing.writeHead(500, { "content-type": "application/x-amz-json-1.0" });
    outgoing.end(
      JSON.stringify({
        __type: "com.amazonaws.dynamodb.v20120810#InternalServerError",
        message: String(error),
      }),
    );
  }
});

server.listen(0, "127.0.0.1", () => port.postMessage({ port: (server.address() as { port: number }).port }));
port.on("message", (message) => {
  if (message !== "close") return;
  // Functions' SDK clients keep their connections open: close them, or the server never finishes closing.
  server.closeAllConnections();
  server.close(() => port.postMessage({ closed: true }));
});
