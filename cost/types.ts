/** The cost model's vocabulary: its inputs (prices, measurements, traffic), its output, and what an estimator is. */
import type { StackJson } from "../synthesized/stack-json.ts";

export const SECONDS_PER_MONTH = 30.4375 * 24 * 60 * 60;

export interface Price {
  readonly usd: number;
  /** How many units `usd` buys. */
  readonly per: number;
  readonly unit: string;
}

export interface PriceTable {
  readonly region: string;
  readonly currency: "USD";
  /** When the prices were last checked against their sources (YYYY-MM-DD). */
  readonly checked: string;
  readonly sources: Readonly<Record<string, string>>;
  readonly prices: Readonly<Record<string, Price>>;
}

/** What one invocation of a function did and lasted, measured against local peers. */
export interface MeasuredFunction {
  readonly coldStartMs: number;
  readonly warmInvocationMs: number;
  /** `<operation> <table suffix>` to calls and capacity units per invocation. */
  readonly dynamodb: Readonly<Record<string, { calls: number; capacityUnits: number }>>;
  readonly sqsMessages: number;
  readonly sqsBytesPerMessage: number;
  readonly websocketPosts: number;
  readonly websocketBytesPerPost: number;
  readonly logBytes: number;
  /** Custom metrics it publishes (EMF), one entry per billed metric. */
  readonly metrics: readonly string[];
}

export interface MeasuredUsage {
  readonly measuredAt: string;
  readonly functions: Readonly<Record<string, MeasuredFunction>>;
}

/** How requests drive the stack: the assumptions of an estimate, each stated. */
export interface Traffic {
  /** Invocations of each function (named without the stack's prefix) per request; SQS-fed ones per record. */
  readonly invocationsPerRequest: Readonly<Record<string, number>>;
  /** REST API calls per request (the command itself, plus any polling). */
  readonly restCallsPerRequest: number;
  /** Command messages the REST API puts on SQS per request, and the largest command's size. */
  readonly commandMessagesPerRequest: number;
  readonly commandBytes: number;
  readonly websocket: {
    readonly connectionsPerRequest: number;
    readonly minutesPerConnection: number;
    /** Messages clients send per request (status asks). */
    readonly inboundMessagesPerRequest: number;
  };
  /** SQS records per Lambda invocation. 1 is the worst case: batches fill only under load. */
  readonly recordsPerBatch: number;
  /** Share of on-demand invocations that start an execution environment (INIT is billed). */
  readonly coldStartShare: number;
  /**
   * What an AWS call adds to an invocation in AWS over the loopback peers it was measured against (DynamoDB and
   * SQS answer in single-digit milliseconds in-region): added per DynamoDB call, SQS send and `@connections` post.
   */
  readonly awsCallMs: number;
  /** Empty long-poll receives Lambda's pollers make on each subscribed queue per month, traffic or not. */
  readonly idleReceivesPerQueuePerMonth: number;
  /** Who signs in: requests a monthly active user makes, the pool tier's free users, machine tokens per client. */
  readonly identity: {
    readonly requestsPerActiveUser: number;
    readonly freeActiveUsers: number;
    readonly machineTokensPerClientPerMonth: number;
  };
  /**
   * Domain events: item changes stored per request (each one event on the bus; a refused or repeated command stores
   * none, so this is an upper bound) and an event's size as EventBridge meters it.
   */
  readonly domainEvents: { readonly changesPerRequest: number; readonly eventBytes: number };
  /**
   * The web app: page loads per request (a user loads the app once and makes many requests), the files a load
   * fetches and their bytes as served (compressed), the share of fetches CloudFront passes to the bucket (cache
   * misses and the never-cached index and config), and an access-log record's size.
   */
  readonly site: {
    readonly pageLoadsPerRequest: number;
    readonly filesPerPageLoad: number;
    readonly bytesPerPageLoad: number;
    readonly originFetchShare: number;
    readonly storedBytes: number;
    readonly accessLogBytesPerFetch: number;
  };
  /**
   * Bulk import: files uploaded per request (each one importer invocation, one upload, one read and one result
   * written) and a file's size; a result lists every row, so it is taken to be about as large as its file. The
   * rows an import queues are create commands, counted among the requests.
   */
  readonly imports: { readonly filesPerRequest: number; readonly bytesPerFile: number };
  /** Requests sampled into X-Ray traces: a reservoir per second, then a share of the rest (X-Ray's default rule). */
  readonly tracing: { readonly reservoirPerSecond: number; readonly rate: number };
}

export interface CostLine {
  readonly service: string;
  readonly item: string;
  readonly quantity: number;
  readonly unit: string;
  readonly usd: number;
  /** Paid whatever the traffic (keys, alarms, provisioned concurrency, idle polling). */
  readonly fixed: boolean;
}

export interface Estimate {
  readonly environment: string;
  readonly requests: number;
  readonly lines: readonly CostLine[];
  readonly byService: Readonly<Record<string, number>>;
  readonly totalUsd: number;
  readonly fixedUsd: number;
  /** The total over the requests, in millions. */
  readonly perMillionUsd: number;
  /** The part that grows with traffic, per million requests (not quite linear: X-Ray samples less as traffic grows). */
  readonly marginalPerMillionUsd: number;
  readonly notes: readonly string[];
  readonly pricesChecked: string;
  readonly region: string;
  readonly measuredAt: string;
}

export interface EstimateInput {
  readonly environment: string;
  readonly stack: StackJson;
  /** Prefix of the stack's physical names (`crud-prod`): function `crud-prod-notification` is `notification`. */
  readonly namePrefix: string;
  readonly requests: number;
  readonly prices: PriceTable;
  readonly measured: MeasuredUsage;
  readonly traffic: Traffic;
}

/** What every estimator gets: the input, and the derived figures several of them share. */
export interface CostContext extends EstimateInput {
  /** Invocations per month of each function, by short name (only functions with a traffic figure). */
  readonly invocations: ReadonlyMap<string, number>;
  /** Functions their schedules invoke: their invocations (and what those cost) do not grow with traffic. */
  readonly scheduledFunctions: ReadonlySet<string>;
  readonly price: (key: string) => Price;
  readonly note: (text: string) => void;
}

export interface ServiceEstimator {
  readonly service: string;
  /** The resource types whose cost it accounts for; a type no estimator names is reported as unpriced. */
  readonly prices: readonly string[];
  estimate(context: CostContext): Array<Omit<CostLine, "service" | "usd" | "unit"> & { priceKey: string }>;
}
