import path from "node:path";
import { Worker } from "node:worker_threads";
import type { FunctionModel } from "../synthesized/service-model.ts";
import type { LocalEmulation } from "./emulations.ts";

export class InvocationError extends Error {
  override readonly name = "InvocationError";
}

/**
 * Runs each function's deployed bundle in its own worker thread, with that function's environment (a
 * worker's `process.env` is its own), as Lambda gives each function its own execution environment. One
 * worker per function serves concurrent invocations, as several environments would.
 */
export class FunctionHost {
  private readonly workers = new Map<
    string,
    { worker: Worker; model: FunctionModel; ready: Promise<void> }
  >();
  private readonly pending = new Map<
    number,
    { resolve: (value: unknown) => void; reject: (error: Error) => void }
  >();
  private readonly faults = new Map<string, number>();
  private nextId = 1;

  constructor(
    functions: readonly FunctionModel[],
    environmentOf: (model: FunctionModel) => Record<string, string>,
    projectRoot: string,
  ) {
    for (const model of functions) {
      const worker = new Worker(path.join(projectRoot, "local", "function-worker.mjs"), {
        env: environmentOf(model),
        workerData: { bundle: model.bundle, functionName: model.name, timeoutSeconds: model.timeoutSeconds },
      });
      const ready = new Promise<void>((resolve, reject) => {
        worker.once("error", reject);
        worker.on(
          "message",
          (message: {
            ready?: boolean;
            id?: number;
            result?: unknown;
            error?: { name: string; message: string };
          }) => {
            if (message.ready) return resolve();
            const waiting = this.pending.get(message.id ?? 0);
            if (!waiting) return;
            this.pending.delete(message.id ?? 0);
            if (message.error)
              waiting.reject(
                new InvocationError(`${model.name}: ${message.error.name}: ${message.error.message}`),
              );
            else waiting.resolve(message.result);
          },
        );
      });
      this.workers.set(model.name, { worker, model, ready });
    }
  }

  async ready(): Promise<void> {
    await Promise.all([...this.workers.values()].map((entry) => entry.ready));
  }

  /** Makes the next `count` invocations of a function fail, as a crashed or timed-out function does. */
  injectFault(functionName: string, count = Number.POSITIVE_INFINITY): void {
    if (!this.workers.has(functionName)) throw new Error(`Unknown function ${functionName}`);
    this.faults.set(functionName, count);
  }

  /** Invokes the function, through its alias `qualifier` when given, as Lambda's Invoke does. */
  async invoke(functionName: string, event: unknown, qualifier?: string): Promise<unknown> {
    const entry = this.workers.get(functionName);
    if (!entry) throw new Error(`Unknown function ${functionName}`);
    if (qualifier !== undefined && !entry.model.aliases.includes(qualifier))
      throw new InvocationError(
        `${functionName}: ResourceNotFoundException: Function not found: ${functionName}:${qualifier}`,
      );
    const faults = this.faults.get(functionName) ?? 0;
    if (faults > 0) {
      this.faults.set(functionName, faults - 1);
      throw new InvocationError(`${functionName}: injected fault`);
    }
    await entry.ready;
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new InvocationError(`${functionName}: timed out after ${entry.model.timeoutSeconds} s`));
      }, entry.model.timeoutSeconds * 1000);
      timer.unref();
      this.pending.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      entry.worker.postMessage({ id, event, qualifier });
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.workers.values()].map((entry) => entry.worker.terminate()));
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
