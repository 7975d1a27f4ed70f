/**
 * CloudWatch metrics for the runner: the functions' embedded-metric-format log lines become data points, as
 * CloudWatch Logs extracts them, and GetMetricData answers from them with CloudWatch's rules (a metric is its
 * namespace, name and exact set of dimensions; statistics per period; the limits and error codes below).
 */

export interface Dimension {
  readonly Name: string;
  readonly Value: string;
}

interface DataPoint {
  readonly key: string;
  readonly timestamp: number;
  readonly value: number;
}

export interface MetricQuery {
  Id?: string;
  Label?: string;
  ReturnData?: boolean;
  Expression?: string;
  MetricStat?: {
    Metric?: { Namespace?: string; MetricName?: string; Dimensions?: Dimension[] };
    Period?: number;
    Stat?: string;
  };
}

export interface GetMetricDataRequest {
  MetricDataQueries?: MetricQuery[];
  /** Epoch seconds, as the JSON protocol sends timestamps. */
  StartTime?: number;
  EndTime?: number;
  NextToken?: string;
}

/** A refusal with CloudWatch's error code and HTTP status. */
export class CloudWatchError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

const MAX_QUERIES = 500;
const ID = /^[a-z][a-zA-Z0-9_]*$/;
const STATISTICS = new Set(["Sum", "Average", "Minimum", "Maximum", "SampleCount"]);

function metricKey(namespace: string, name: string, dimensions: readonly Dimension[]): string {
  const sorted = [...dimensions].sort((a, b) => a.Name.localeCompare(b.Name));
  return JSON.stringify([namespace, name, sorted.map((dimension) => [dimension.Name, dimension.Value])]);
}

export class MetricStore {
  private readonly points: DataPoint[] = [];

  /** Records one value of a metric at a time (ms since the epoch). */
  put(
    namespace: string,
    name: string,
    dimensions: readonly Dimension[],
    value: number,
    timestamp: number,
  ): void {
    this.points.push({ key: metricKey(namespace, name, dimensions), timestamp, value });
  }

  /**
   * Extracts the metrics of one log line, if it is an EMF document: each dimension set of each directive is a metric
   * of its own, its value the member named after it (a number or a list of numbers). Anything else is not a metric.
   */
  ingestLogLine(line: string): boolean {
    if (!line.includes('"_aws"')) return false;
    let document: Record<string, unknown>;
    try {
      document = JSON.parse(line);
    } catch {
      return false;
    }
    const metadata = document._aws as
      | {
          Timestamp?: number;
          CloudWatchMetrics?: Array<{
            Namespace?: string;
            Dimensions?: string[][];
            Metrics?: Array<{ Name?: string }>;
          }>;
        }
      | undefined;
    if (!metadata?.CloudWatchMetrics) return false;
    const timestamp = Number(metadata.Timestamp ?? Date.now());
    for (const directive of metadata.CloudWatchMetrics) {
      for (const metric of directive.Metrics ?? []) {
        const raw = document[String(metric.Name)];
        const values = (Array.isArray(raw) ? raw : [raw]).filter((value) => typeof value === "number");
        for (const set of directive.Dimensions ?? [[]]) {
          const dimensions = set.map((name) => ({ Name: name, Value: String(document[name]) }));
          for (const value of values)
            this.put(String(directive.Namespace), String(metric.Name), dimensions, value, timestamp);
        }
      }
    }
    return true;
  }

  /** GetMetricData over MetricStat queries (metric math is not emulated, and says so). */
  getMetricData(request: GetMetricDataRequest) {
    const queries = request.MetricDataQueries ?? [];
    if (queries.length === 0)
      throw new CloudWatchError("MissingParameter", "The parameter MetricDataQueries is required.");
    if (queries.length > MAX_QUERIES)
      throw new CloudWatchError(
        "InvalidParameterValue",
        `The collection MetricDataQueries must not have a size greater than ${MAX_QUERIES}.`,
      );
    const start = Number(request.StartTime) * 1000;
    const end = Number(request.EndTime) * 1000;
    if (!(Number.isFinite(start) && Number.isFinite(end)))
      throw new CloudWatchError("MissingParameter", "The parameters StartTime and EndTime are required.");
    if (start >= end)
      throw new CloudWatchError(
        "InvalidParameterValue",
        "The parameter StartTime must be less than the parameter EndTime.",
      );
    const ids = new Set<string>();
    for (const query of queries) {
      if (!query.Id || !ID.test(query.Id))
        throw new CloudWatchError(
          "ValidationError",
          `Invalid metric data query Id "${query.Id}": must start with a lowercase letter`,
        );
      if (ids.has(query.Id))
        throw new CloudWatchError("ValidationError", `The value ${query.Id} for Id is not unique.`);
      ids.add(query.Id);
      if (query.Expression !== undefined)
        throw new CloudWatchError(
          "InvalidParameterValue",
          "Metric math expressions are not emulated locally",
          400,
        );
      const stat = query.MetricStat;
      if (!stat?.Metric?.Namespace || !stat.Metric.MetricName)
        throw new CloudWatchError(
          "MissingParameter",
          `Query ${query.Id}: MetricStat.Metric needs Namespace and MetricName.`,
        );
      if (
        !(Number.isInteger(stat.Period) && (stat.Period as number) > 0 && (stat.Period as number) % 60 === 0)
      )
        throw new CloudWatchError(
          "InvalidParameterValue",
          `Query ${query.Id}: The parameter Period must be a multiple of 60.`,
        );
      if (!STATISTICS.has(String(stat.Stat)))
        throw new CloudWatchError(
          "InvalidParameterValue",
          `Query ${query.Id}: unknown statistic ${stat.Stat}.`,
        );
    }
    return {
      MetricDataResults: queries
        .filter((query) => query.ReturnData !== false)
        .map((query) => this.answer(query, start, end)),
      Messages: [],
    };
  }

  private answer(query: MetricQuery, start: number, end: number) {
    const stat = query.MetricStat as Required<NonNullable<MetricQuery["MetricStat"]>>;
    const metric = stat.Metric as { Namespace: string; MetricName: string; Dimensions?: Dimension[] };
    const key = metricKey(metric.Namespace, metric.MetricName, metric.Dimensions ?? []);
    const periodMs = stat.Period * 1000;
    const buckets = new Map<number, number[]>();
    for (const point of this.points) {
      if (point.key !== key || point.timestamp < start || point.timestamp >= end) continue;
      const bucket = start + Math.floor((point.timestamp - start) / periodMs) * periodMs;
      buckets.set(bucket, [...(buckets.get(bucket) ?? []), point.value]);
    }
    // Newest first: GetMetricData's default ScanBy is TimestampDescending.
    const timestamps = [...buckets.keys()].sort((a, b) => b - a);
    return {
      Id: query.Id,
      Label: query.Label ?? metric.MetricName,
      Timestamps: timestamps.map((timestamp) => timestamp / 1000),
      Values: timestamps.map((timestamp) => statistic(stat.Stat, buckets.get(timestamp) as number[])),
      StatusCode: "Complete",
    };
  }
}

function statistic(stat: string, values: readonly number[]): number {
  const sum = values.reduce((total, value) => total + value, 0);
  if (stat === "Sum") return sum;
  if (stat === "SampleCount") return values.length;
  if (stat === "Average") return sum / values.length;
  if (stat === "Minimum") return Math.min(...values);
  return Math.max(...values);
}
