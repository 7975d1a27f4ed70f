import type { S3Event, S3EventRecord } from "aws-lambda";
import { findFunction, resourcesOf, type StackJson } from "../../synthesized/stack-json.ts";
import { Chaos } from "../chaos/chaos.ts";
import type { ObjectCreated } from "./endpoint.ts";

/** One `lambda_function` entry of a bucket's notification configuration, with the function it names. */
export interface NotificationTarget {
  readonly bucket: string;
  readonly id: string;
  readonly events: readonly string[];
  readonly prefix: string;
  readonly suffix: string;
  readonly functionName: string;
  readonly qualifier?: string;
}

interface LambdaNotification {
  id?: string;
  events: string[];
  filter_prefix?: string;
  filter_suffix?: string;
  lambda_function_arn: string;
}

/** The stack's `aws_s3_bucket_notification` resources, as targets per bucket name. */
export function readBucketNotifications(stack: StackJson): NotificationTarget[] {
  return resourcesOf(stack, "aws_s3_bucket_notification").flatMap((notification) => {
    const bucketId = /^\$\{aws_s3_bucket\.([\w-]+)\.(?:id|bucket)\}$/.exec(
      String(notification.values.bucket),
    )?.[1];
    const bucket = bucketId
      ? String(stack.resource.aws_s3_bucket?.[bucketId]?.bucket)
      : String(notification.values.bucket);
    return ((notification.values.lambda_function ?? []) as LambdaNotification[]).map((entry, index) => {
      const target = findFunction(stack, entry.lambda_function_arn);
      if (!target)
        throw new Error(
          `${notification.address} names ${entry.lambda_function_arn}, which is no function of the stack`,
        );
      return {
        bucket,
        id: entry.id ?? `notification-${index}`,
        events: entry.events,
        prefix: entry.filter_prefix ?? "",
        suffix: entry.filter_suffix ?? "",
        functionName: String(target.fn.values.function_name),
        qualifier: target.qualifier,
      };
    });
  });
}

/** Keys in S3 events are URL-encoded, spaces as `+`, as S3 writes them. */
export function eventKey(key: string): string {
  return encodeURIComponent(key).replaceAll("%2F", "/").replaceAll("%20", "+");
}

function matches(target: NotificationTarget, created: ObjectCreated): boolean {
  const key = created.object.key;
  return (
    target.bucket === created.bucket &&
    key.startsWith(target.prefix) &&
    key.endsWith(target.suffix) &&
    target.events.some((event) => event === `s3:${created.eventName}` || event === "s3:ObjectCreated:*")
  );
}

export interface NotificationDeliveryOptions {
  readonly region: string;
  readonly log: (line: string) => void;
  /** Duplicate deliveries at the chaos' duplicate rate: S3 delivers notifications at least once. */
  readonly chaos?: Chaos;
  /** Multiplies the retry delays (a minute, then two), as the runner's --time-scale does for every wait. */
  readonly timeScale?: number;
}

/** Lambda retries a failed asynchronous invocation twice, about a minute and then two minutes later. */
const ASYNC_RETRY_DELAYS_MS = [60_000, 120_000];

/**
 * Delivers object-created notifications as S3 and Lambda do: one event per object to each matching function,
 * invoked asynchronously through the alias the configuration names, at least once (chaos may deliver one twice),
 * with Lambda's two retries of a failed invocation; after them the event is dropped, as without an on-failure
 * destination, and the log says so.
 */
export class NotificationDelivery {
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  readonly counters = { delivered: 0, duplicated: 0, retried: 0, dropped: 0 };

  constructor(
    private readonly targets: readonly NotificationTarget[],
    private readonly invoke: (functionName: string, event: S3Event, qualifier?: string) => Promise<unknown>,
    private readonly options: NotificationDeliveryOptions,
  ) {}

  /** The event S3 would send for one created object to one configuration. */
  eventFor(target: NotificationTarget, created: ObjectCreated): S3Event {
    const record: S3EventRecord = {
      eventVersion: "2.1",
      eventSource: "aws:s3",
      awsRegion: this.options.region,
      eventTime: created.object.lastModified.toISOString(),
      eventName: created.eventName,
      userIdentity: { principalId: "AWS:LOCAL" },
      requestParameters: { sourceIPAddress: created.sourceIp },
      responseElements: { "x-amz-request-id": created.requestId, "x-amz-id-2": created.requestId },
      s3: {
        s3SchemaVersion: "1.0",
        configurationId: target.id,
        bucket: {
          name: created.bucket,
          ownerIdentity: { principalId: "LOCAL" },
          arn: `arn:aws:s3:::${created.bucket}`,
        },
        object: {
          key: eventKey(created.object.key),
          size: created.object.size,
          eTag: created.object.etag.replaceAll('"', ""),
          ...(created.versioned ? { versionId: created.object.versionId } : {}),
          sequencer: created.object.sequencer,
        },
      },
    };
    return { Records: [record] };
  }

  /** Called by the S3 endpoint for every created object. */
  objectCreated(created: ObjectCreated): void {
    const chaos = this.options.chaos ?? Chaos.none;
    for (const target of this.targets.filter((candidate) => matches(candidate, created))) {
      const event = this.eventFor(target, created);
      this.attempt(target, event, 0, 0);
      if (chaos.strikes("S3 notification duplicated", chaos.rates.duplicate)) {
        this.counters.duplicated += 1;
        this.attempt(target, event, 0, chaos.delay(1000));
      }
    }
  }

  close(): void {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
  }

  private attempt(target: NotificationTarget, event: S3Event, retries: number, delayMs: number): void {
    if (this.closed) return;
    const timer = setTimeout(async () => {
      this.timers.delete(timer);
      if (this.closed) return;
      const key = event.Records[0]?.s3.object.key;
      try {
        await this.invoke(target.functionName, event, target.qualifier);
        this.counters.delivered += 1;
      } catch (error) {
        const delay = ASYNC_RETRY_DELAYS_MS[retries];
        const why = error instanceof Error ? error.message : String(error);
        if (delay === undefined) {
          this.counters.dropped += 1;
          this.options.log(
            `s3 notification ${target.bucket}/${key} to ${target.functionName} dropped after ${retries + 1} attempts: ${why}`,
          );
          return;
        }
        this.counters.retried += 1;
        this.options.log(
          `s3 notification ${target.bucket}/${key} to ${target.functionName} failed (${why}); retried`,
        );
        this.attempt(target, event, retries + 1, delay * (this.options.timeScale ?? 1));
      }
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }
}
