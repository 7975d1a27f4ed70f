import type { Server } from "node:http";

/**
 * Binds a local server to 127.0.0.1. A port already taken (most often by another `npm run local`) is answered
 * with what runs there and the option that moves it, not with Node's stack trace.
 */
export async function listenLocally(
  server: Server,
  port: number,
  what: string,
  option: string,
): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const refused = (error: NodeJS.ErrnoException) =>
      reject(
        error.code === "EADDRINUSE"
          ? new Error(
              `port ${port} (${what}) is in use, most likely by another npm run local: stop it, or pass ${option} <another port>`,
            )
          : error,
      );
    server.once("error", refused);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", refused);
      resolve();
    });
  });
  return (server.address() as { port: number }).port;
}
