import path from "node:path";
import { createInterface } from "node:readline";
import { Worker } from "node:worker_threads";
import type { FunctionModel } from "../synthesized/service-model.ts";
import { Chaos } from "./chaos/chaos.ts";
import type { LocalEmulation } from "./emulations.ts";

export class InvocationError extends Error {
  override readonly name = "InvocationError";
}

/** Lambda's answer when a function is at its concurrency: the caller retries later. */
export class ThrottledInvocation extends InvocationError {}

/** Concurrent invocations a function without reserved concurrency may run (the account's default limit). */
const ACCOUNT_CONCURRENCY = 1000;

/** One execution environment: a worker thread that has loaded the function's bundle and serves one invocation at a time. */
interface Environment {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  pending?: { resolve: (value: unknown) => void; reject: (error: Error) => void };
  /** Stopped after a timeout: never reused. */
  stopped?: boolean;
}

interface FunctionPool {
  readonly model: FunctionModel;
  readonly environment: Record<string, string>;
  readonly idle: Environment[];
  busy: number;
}

export interface FunctionHostOptions {
  /** Invocations that fail before or after their handler ran. @default none */
  readonly chaos?: Chaos;
  /**
   * Sees each line a function writes to stdout first, as CloudWatch Logs does (embedded metrics become metrics);
   * a line it returns true for is consumed, the rest go to the runner's stdout. @default every line goes through
   */
  readonly onLogLine?: (line: string) => boolean;
}

/**
 * Runs each function's deployed bundle as Lambda does: in execution environments (worker threads, each with the
 * function's own environment variables) that serve one invocation at a time. Concurrent invocations get
 * environments of their own, up to the function's reserved concurrency (then they are throttled); an idle one is
 * reused (warm), a new one loads the bundle first (cold). An invocation that outlives the function's timeout is
 * stopped, and its environment with it, so module state never carries a half-finished invocation into the next.
 */
export class FunctionHost {
  private readonly pools = new Map<string, FunctionPool>();
  private readonly faults = new Map<string, number>();
  private readonly chaos: Chaos;
  private readonly onLogLine?: (line: string) => boolean;

  constructor(
    functions: readonly FunctionModel[],
    environmentOf: (model: FunctionModel) => Record<string, string>,
    private readonly projectRoot: string,
    options: FunctionHostOptions = {},
  ) {
    this.chaos = options.chaos ?? Chaos.none;
    this.onLogLine = options.onLogLine;
    for (const model of functions) {
      this.pools.set(model.name, { model, environment: environmentOf(model), idle: [], busy: 0 });
    }
  }

  /** Starts one environment per function, so the first invocations do not all start cold. */
  async ready(): Promise<void> {
    await Promise.all(
      [...this.pools.values()].map(async (pool) => {
        const environment = this.start(pool);
        await environment.ready;
        pool.idle.push(environment);
      }),
    );
  }

  /** Makes the next `count` invocations of a function fail, as a crashed or timed-out function does. */
  injectFault(functionName: string, count = Number.POSITIVE_INFINITY): void {
    if (!this.pools.has(functionName)) throw new Error(`Unknown function ${functionName}`);
    this.faults.set(functionName, count);
  }

  /** Invokes the function, through its alias `qualifier` when given, as Lambda's Invoke does. */
  async invoke(functionName: string, event: unknown, qualifier?: string): Promise<unknown> {
    const pool = this.pools.get(functionName);
    if (!pool) throw new Error(`Unknown function ${functionName}`);
    if (qualifier !== undefined && !pool.model.aliases.includes(qualifier))
      throw new InvocationError(
        `${functionName}: ResourceNotFoundException: Function not found: ${functionName}:${qualifier}`,
      );
    const faults = this.faults.get(functionName) ?? 0;
    if (faults > 0) {
      this.faults.set(functionName, faults - 1);
      throw new InvocationError(`${functionName}: injected fault`);
    }
    const concurrency = pool.model.reservedConcurrency ?? ACCOUNT_CONCURRENCY;
    if (pool.busy >= concurrency)
      throw new ThrottledInvocation(
        `${functionName}: Rate Exceeded (reserved concurrency ${concurrency} in use)`,
      );
    const faultRate = this.chaos.rates.invocationFault / 2;
    if (this.chaos.strikes("invocation failed before its handler", faultRate))
      throw new InvocationError(
        `${functionName}: chaos: the execution environment failed before the handler ran`,
      );
    pool.busy += 1;
    const environment = pool.idle.pop() ?? this.start(pool);
    try {
      const result = await this.run(pool, environment, event, qualifier);
      if (this.chaos.strikes("invocation failed after its handler", faultRate))
        throw new InvocationError(
          `${functionName}: chaos: the invocation's result was lost after the handler ran`,
        );
      return result;
    } finally {
      pool.busy -= 1;
      if (!environment.stopped) pool.idle.push(environment);
    }
  }

  async close(): Promise<void> {
    const workers = [...this.pools.values()].flatMap((pool) =>
      pool.idle.map((environment) => environment.worker),
    );
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  private start(pool: FunctionPool): Environment {
    const { model } = pool;
    const worker = new Worker(path.join(this.projectRoot, "local", "function-worker.mjs"), {
      env: pool.environment,
      workerData: { bundle: model.bundle, functionName: model.name, timeoutSeconds: model.timeoutSeconds },
      stdout: this.onLogLine !== undefined,
    });
    const onLogLine = this.onLogLine;
    if (onLogLine)
      createInterface({ input: worker.stdout, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (line) => {
        if (!onLogLine(line)) process.stdout.write(`${line}\n`);
      });
    const environment: Environment = {
      worker,
      ready: new Promise<void>((resolve, reject) => {
        worker.once("error", (error) => {
          // A bundle that fails to load (or a crashed worker) is never handed another invocation.
          environment.stopped = true;
          environment.pending?.reject(new InvocationError(`${model.name}: ${error.message}`));
          reject(error);
        });
        worker.on(
          "message",
          (message: { ready?: boolean; result?: unknown; error?: { name: string; message: string } }) => {
            if (message.ready) return resolve();
            const pending = environment.pending;
            environment.pending = undefined;
            if (!pending) return;
            if (message.error)
              pending.reject(
                new InvocationError(`${model.name}: ${message.error.name}: ${message.error.message}`),
              );
            else pending.resolve(message.result);
          },
        );
      }),
    };
    return environment;
  }

  private async run(
    pool: FunctionPool,
    environment: Environment,
    event: unknown,
    qualifier: string | undefined,
  ): Promise<unknown> {
    const { model } = pool;
    await environment.ready;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        // Lambda stops a timed-out invocation and discards its execution environment.
        environment.pending = undefined;
        environment.stopped = true;
        void environment.worker.terminate();
        reject(new InvocationError(`${model.name}: Task timed out after ${model.timeoutSeconds} seconds`));
      }, model.timeoutSeconds * 1000);
      timer.unref();
      environment.pending = {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      environment.worker.postMessage({ event, qualifier });
    });
  }
}

/**
 * Lambda for the runner: functions run from their bundles, fed by their event source mappings, invoked through
 * the alias a mapping names. Every function is initialised when the runner starts, as provisioned concurrency
 * would keep it, so the runner pays no cold starts (`npm run bench` measures those).
 */
export const lambdaEmulation: LocalEmulation = {
  service: "Lambda",
  references: {
    aws_lambda_function: (fn, attribute) =>
      attribute === "function_name" ? String(fn.values.function_name) : undefined,
    aws_lambda_alias: (alias, attribute) => (attribute === "name" ? String(alias.values.name) : undefined),
  },
  alsoServes: ["aws_lambda_event_source_mapping", "aws_lambda_provisioned_concurrency_config"],
};
