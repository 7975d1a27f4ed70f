/**
 * How long one SDK call may take. Without these, a hung connection eats the function's whole timeout and fails
 * every record of the batch; with them a slow call fails in seconds, the SDK retries it (its standard mode: three
 * attempts with jittered backoff, `AWS_MAX_ATTEMPTS` to change) and, if the dependency is still down, the record
 * backs off in its queue (handlers/lib/faults.ts).
 */
export const SDK_CLIENT_DEFAULTS = {
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 2_500 },
} as const;
