/**
 * What AWS does that code must survive, on demand and from a seed: `npm run local -- --chaos <seed>`. Each kind of
 * misfortune has its rate; the decisions come from one seeded generator, so a run's sequence of decisions is the
 * same for the same seed (the timing of a concurrent system still varies from run to run).
 */
export interface ChaosRates {
  /** A deleted SQS message, or an S3 object-created notification, is delivered again (at-least-once delivery). */
  readonly duplicate: number;
  /** Visible messages are received in random order, and new ones become visible after a random delay. */
  readonly reorder: boolean;
  /** An invocation fails: before the handler runs, or after it ran (its result lost, as on a timeout). */
  readonly invocationFault: number;
  /** An SDK call to SQS, DynamoDB or S3 fails with a retryable error (500, throttling, SlowDown). */
  readonly sdkFault: number;
  /** Writes reach global secondary indexes up to this late. */
  readonly indexLagMs: number;
  /** API Gateway completes a WebSocket handshake up to this long after `$connect` returned (410 to pushes meanwhile). */
  readonly connectCompletionMs: number;
  /** A closed socket's `$disconnect` never runs (API Gateway delivers it best effort). */
  readonly disconnectLoss: number;
}

export const DEFAULT_CHAOS: ChaosRates = {
  duplicate: 0.1,
  reorder: true,
  invocationFault: 0.2,
  sdkFault: 0.05,
  indexLagMs: 500,
  connectCompletionMs: 300,
  disconnectLoss: 0.1,
};

/** A seeded source of misfortune; `Chaos.none` decides nothing ever goes wrong. */
export class Chaos {
  static readonly none = new Chaos(0, {
    duplicate: 0,
    reorder: false,
    invocationFault: 0,
    sdkFault: 0,
    indexLagMs: 0,
    connectCompletionMs: 0,
    disconnectLoss: 0,
  });

  /** How often each kind of misfortune struck, for the runner's stats. */
  readonly counts: Record<string, number> = {};
  private state: number;

  constructor(
    readonly seed: number,
    readonly rates: ChaosRates = DEFAULT_CHAOS,
  ) {
    this.state = seed >>> 0;
  }

  get enabled(): boolean {
    return this !== Chaos.none;
  }

  /** The next number in [0, 1) (mulberry32: small, fast, and the same on every machine). */
  random(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Whether a misfortune of `kind` strikes now, at `rate`; counted when it does. */
  strikes(kind: string, rate: number): boolean {
    if (rate <= 0) return false;
    const struck = this.random() < rate;
    if (struck) this.counts[kind] = (this.counts[kind] ?? 0) + 1;
    return struck;
  }

  /** A delay in [0, maxMs). */
  delay(maxMs: number): number {
    return maxMs > 0 ? Math.floor(this.random() * maxMs) : 0;
  }

  /** `items` in a random order (Fisher-Yates), or as they are without reordering. */
  shuffle<T>(items: readonly T[]): T[] {
    const copy = [...items];
    if (!this.rates.reorder) return copy;
    for (let index = copy.length - 1; index > 0; index -= 1) {
      const other = Math.floor(this.random() * (index + 1));
      [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
    }
    return copy;
  }
}

/** Parses `--chaos <seed>[,rate=value...]`, e.g. `42` or `42,duplicate=0.2,invocationFault=0`. */
export function parseChaos(option: string | undefined): Chaos {
  if (option === undefined) return Chaos.none;
  const [seedText = "", ...settings] = option.split(",");
  const seed = Number(seedText);
  if (!Number.isInteger(seed) || seed < 0)
    throw new Error(`--chaos needs a seed, a non-negative integer: got "${seedText}"`);
  const rates: Record<string, number | boolean> = { ...DEFAULT_CHAOS };
  for (const setting of settings) {
    const [name = "", value = ""] = setting.split("=");
    if (!(name in DEFAULT_CHAOS))
      throw new Error(`--chaos: unknown setting "${name}"; known: ${Object.keys(DEFAULT_CHAOS).join(", ")}`);
    const parsed = name === "reorder" ? value !== "false" : Number(value);
    if (typeof parsed === "number" && !(parsed >= 0))
      throw new Error(`--chaos: ${name} must be a non-negative number`);
    rates[name] = parsed;
  }
  return new Chaos(seed, rates as unknown as ChaosRates);
}
