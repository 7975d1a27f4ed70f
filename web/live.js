// The tab's one WebSocket: every outcome of the signed-in user arrives on it. It reconnects with capped,
// jittered exponential backoff, asks for the `status` of every request still waiting once it is open again
// (outcomes pushed while it was closed are not queued anywhere), and renews the access token before a handshake
// that would carry an expired or expiring one.
//
// A browser never sees a refused handshake's status code (403 from the $connect authorizer and a dropped network
// both end in close code 1006), so after a handshake fails the REST API, which shares the authorizer's tokens,
// says which it was: 401/403 to an outcome lookup means the token is refused, anything else that the failure was
// not about the token. A refused token is renewed once; refused again, or not renewable, the user is signed out
// and the reconnecting stops.
//
// The service checks a socket's token at $connect only, and closes the socket once that token has expired. So an
// open socket is handed over before then: a new one with a renewed token, the old one closed, the waiting
// requests asked for again.
import { SignedOut } from "./auth.js";

const BACKOFF_BASE_MS = 500;
const BACKOFF_CAP_MS = 30_000;
/** `$default` answers a `status` sent before `$connect` finished with an error frame: ask again after this. */
const STATUS_RETRY_MS = 1_000;

export class LiveOutcomes {
  #socket;
  #attempt = 0;
  #stopped = false;
  #timer;
  #handover;
  #waiting = new Set();

  /**
   * @param options.websocketUrl wss:// of the stage
   * @param options.session the Session (freshToken, renew)
   * @param options.tokenRefused resolves true when the REST API refuses the token, false otherwise
   * @param options.onFrame every notification frame
   * @param options.onState "connecting" | "live" | "reconnecting" (with the delay) | "signed-out" | "closed"
   */
  constructor(options) {
    this.options = options;
  }

  start() {
    this.#connect();
  }

  /** Asks for the outcome of `requestId` now and after every reconnect, until `settle(requestId)`. */
  watch(requestId) {
    this.#waiting.add(requestId);
    this.#askStatus(requestId);
  }

  settle(requestId) {
    this.#waiting.delete(requestId);
  }

  stop() {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearTimeout(this.#handover);
    this.#socket?.close(1000);
    this.options.onState("closed");
  }

  #askStatus(requestId) {
    if (this.#socket?.readyState === WebSocket.OPEN)
      this.#socket.send(JSON.stringify({ action: "status", requestId }));
  }

  #signedOut(reason) {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.options.onState("signed-out", reason);
  }

  async #connect(renewedForThisFailure = false) {
    if (this.#stopped) return;
    this.options.onState("connecting");
    let token;
    try {
      token = await this.options.session.freshToken();
    } catch (error) {
      if (error instanceof SignedOut) return this.#signedOut(error.message);
      return this.#retryLater();
    }
    const socket = new WebSocket(`${this.options.websocketUrl}/?token=${encodeURIComponent(token)}`);
    this.#socket = socket;
    let opened = false;
    socket.addEventListener("open", () => {
      opened = true;
      this.#attempt = 0;
      this.options.onState("live");
      clearTimeout(this.#handover);
      this.#handover = setTimeout(
        () => this.#handOver(),
        Math.max(0, this.options.session.renewAt - Date.now()),
      );
      for (const requestId of this.#waiting) this.#askStatus(requestId);
    });
    socket.addEventListener("message", (event) => {
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        return;
      }
      if (frame.type === "notification") {
        this.options.onFrame(frame);
      } else if (frame.type === "error" && /not open yet/.test(frame.error ?? "")) {
        setTimeout(() => {
          for (const requestId of this.#waiting) this.#askStatus(requestId);
        }, STATUS_RETRY_MS);
      }
    });
    socket.addEventListener("close", async () => {
      if (this.#stopped || socket !== this.#socket) return;
      if (opened) return this.#retryLater();
      const refused = await this.options.tokenRefused(token).catch(() => false);
      if (!refused) return this.#retryLater();
      if (renewedForThisFailure) return this.#signedOut("sign-in needed: the service refuses this sign-in");
      try {
        await this.options.session.renew();
      } catch (error) {
        if (error instanceof SignedOut) return this.#signedOut(error.message);
        return this.#retryLater();
      }
      this.#connect(true);
    });
  }

  /**
   * Replaces the open socket with one opened with a renewed token, before the service closes it. The token is
   * renewed first, whatever this machine's clock says of it: a clock behind the service's would otherwise reuse
   * the same token, and hand over again at once, in a loop.
   */
  async #handOver() {
    if (this.#stopped) return;
    try {
      await this.options.session.renew();
    } catch (error) {
      if (error instanceof SignedOut) return this.#signedOut(error.message);
      // Not renewable now: the socket stays until the service closes it, and the reconnect tries again.
      return;
    }
    if (this.#stopped) return;
    const old = this.#socket;
    // Its close is expected: the handler sees a socket that is no longer the tab's and does nothing.
    this.#socket = undefined;
    old?.close(1000);
    this.#connect();
  }

  #retryLater() {
    if (this.#stopped) return;
    // Full jitter: a fleet of tabs dropped together by a deploy must not come back in step.
    const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** this.#attempt);
    const delay = Math.round(ceiling / 2 + (Math.random() * ceiling) / 2);
    this.#attempt += 1;
    this.options.onState("reconnecting", delay);
    this.#timer = setTimeout(() => this.#connect(), delay);
  }
}
