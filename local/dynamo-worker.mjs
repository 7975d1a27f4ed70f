// dynalite on its own thread: a DynamoDB operation costs the runner's main thread nothing, so the REST and
// WebSocket servers and the SQS broker keep their core while the tables work. Plain JavaScript, loaded as is.
import { parentPort, workerData } from "node:worker_threads";
import dynalite from "dynalite";
import { Level } from "level";

const { dataFolder } = workerData;

// dynalite opens its folder lazily and, if that fails, answers every request with "Database is not open":
// open it once first so a folder in use or unreadable is reported as such, before anything starts.
async function checkDataFolder() {
  const probe = new Level(dataFolder);
  try {
    await probe.open();
  } catch (error) {
    const cause = error.cause ?? error;
    throw new Error(
      cause.code === "LEVEL_LOCKED"
        ? `--data ${dataFolder} is in use by another process (another npm run local?)`
        : `--data ${dataFolder} cannot be opened: ${cause.message}`,
    );
  }
  await probe.close();
}

try {
  if (dataFolder) await checkDataFolder();
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(dataFolder ? { path: dataFolder } : {}),
  });
  server.listen(0, "127.0.0.1", () => parentPort.postMessage({ port: server.address().port }));
  parentPort.on("message", (message) => {
    if (message === "close") server.close(() => parentPort.postMessage({ closed: true }));
  });
} catch (error) {
  parentPort.postMessage({ error: error.message });
}
