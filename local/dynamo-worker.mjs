// dynalite on its own thread: a DynamoDB operation costs the runner's main thread nothing, so the REST and
// WebSocket servers and the SQS broker keep their core while the tables work. Plain JavaScript, loaded as is.
import { parentPort, workerData } from "node:worker_threads";
import dynalite from "dynalite";

const server = dynalite({
  createTableMs: 0,
  deleteTableMs: 0,
  updateTableMs: 0,
  ...(workerData.dataFolder ? { path: workerData.dataFolder } : {}),
});
server.listen(0, "127.0.0.1", () => parentPort.postMessage({ port: server.address().port }));
parentPort.on("message", (message) => {
  if (message === "close") server.close(() => parentPort.postMessage({ closed: true }));
});
