import path from "node:path";
import { inject } from "vitest";
import { dev } from "../../environments/dev.ts";
import { type EnvironmentConfig, validateConfig } from "../../environments/environment-config.ts";
import { ENVIRONMENT_NAMES, ENVIRONMENTS } from "../../environments/index.ts";
import { prod } from "../../environments/prod.ts";
import { FunctionHost } from "../../local/functions.ts";
import { readStackModel } from "../../synthesized/service-model.ts";
import { findFunction, resourcesOf } from "../../synthesized/stack-json.ts";
import { synthesizedStack } from "../support/synthesized.ts";

const configOf = (name: string) => ENVIRONMENTS.find((config) => config.name === name) as EnvironmentConfig;

describe.each(ENVIRONMENT_NAMES)("warm capacity in the %s stack", (environment) => {
  const stack = synthesizedStack(environment);
  const config = configOf(environment);

  it("gives every function a live alias on its latest published version", () => {
    const functions = resourcesOf(stack, "aws_lambda_function");
    const aliases = resourcesOf(stack, "aws_lambda_alias");
    expect(aliases).toHaveLength(functions.length);
    for (const fn of functions) {
      expect(fn.values.publish, fn.id).toBe(true);
      const alias = aliases.find(
        (candidate) => findFunction(stack, `\${${candidate.address}.arn}`)?.fn.id === fn.id,
      );
      expect(alias?.values, fn.id).toMatchObject({
        name: "live",
        function_version: `\${${fn.address}.version}`,
      });
    }
  });

  it("has every mapping, WebSocket integration and Lambda permission name the alias", () => {
    for (const mapping of resourcesOf(stack, "aws_lambda_event_source_mapping"))
      expect(findFunction(stack, mapping.values.function_name)?.qualifier, mapping.id).toBe("live");
    for (const integration of resourcesOf(stack, "aws_apigatewayv2_integration"))
      expect(String(integration.values.integration_uri), integration.id).toMatch(
        /^\$\{aws_lambda_alias\.[\w-]+\.invoke_arn\}$/,
      );
    for (const permission of resourcesOf(stack, "aws_lambda_permission"))
      expect(String(permission.values.qualifier), permission.id).toMatch(
        /^\$\{aws_lambda_alias\.[\w-]+\.name\}$/,
      );
  });

  it("keeps exactly the configured environments initialised, on the alias", () => {
    const model = readStackModel(stack, ".");
    const provisioned = Object.fromEntries(
      model.functions
        .filter((fn) => Object.keys(fn.provisionedConcurrency).length > 0)
        .map((fn) => [fn.name.slice(`${config.namePrefix}-`.length), fn.provisionedConcurrency]),
    );
    const expected = Object.fromEntries(
      Object.entries(config.lambda.provisionedConcurrency ?? {}).map(([name, count]) => [
        name,
        { live: count },
      ]),
    );
    expect(provisioned).toEqual(expected);
  });
});

describe("warm capacity settings", () => {
  it("is off in dev and on in prod for the functions clients wait on", () => {
    expect(dev.lambda.provisionedConcurrency).toBeUndefined();
    expect(prod.lambda.provisionedConcurrency).toEqual({ "ws-connect": 2, notification: 2 });
  });

  it("refuses an unknown function and more than the reserved concurrency, naming each", () => {
    const broken = {
      ...prod,
      lambda: {
        ...prod.lambda,
        provisionedConcurrency: { "items-archive": 1, notification: 101, "ws-connect": 0 },
      },
    } as unknown as EnvironmentConfig;
    expect(() => validateConfig(broken)).toThrow(
      /lambda\.provisionedConcurrency: "items-archive" is not a function; functions: items-create, [\s\S]*lambda\.provisionedConcurrency\.notification: must be an integer from 1 to 100, got 101[\s\S]*lambda\.provisionedConcurrency\.ws-connect: must be an integer from 1 to 100, got 0/,
    );
  });
});

describe("the local runner and aliases", () => {
  it("reads each mapping's alias and refuses an invocation through an alias the function lacks, as Lambda does", async () => {
    const model = readStackModel(synthesizedStack("dev"), path.join(inject("synthOutdir"), "stacks", "dev"));
    expect(model.mappings.every((mapping) => mapping.qualifier === "live")).toBe(true);
    const [fn] = model.functions;
    if (!fn) throw new Error("the dev stack has no function");
    expect(fn.aliases).toEqual(["live"]);
    const host = new FunctionHost([fn], () => ({ AWS_REGION: "eu-west-1" }), process.cwd());
    try {
      await host.ready();
      await expect(host.invoke(fn.name, {}, "canary")).rejects.toThrow(
        `${fn.name}: ResourceNotFoundException: Function not found: ${fn.name}:canary`,
      );
    } finally {
      await host.close();
    }
  });
});
