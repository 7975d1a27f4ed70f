import { execFileSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type LocalEndpoints, shellExports } from "../../local/operator.ts";

const endpoints: LocalEndpoints = {
  region: "eu-west-1",
  sqs: "http://127.0.0.1:4101",
  dynamodb: "http://127.0.0.1:4102",
  s3: "http://127.0.0.1:4104",
  connections: "http://127.0.0.1:4103/live",
  restUrl: "http://127.0.0.1:4100",
  websocketUrl: "ws://127.0.0.1:4103",
  apiKey: "it's-a-key",
};

describe("npm run local -- endpoints", () => {
  let folder: string;
  beforeAll(() => {
    // An `aws` that prints the arguments it was run with, one per line: what the exported function passes on.
    folder = mkdtempSync(path.join(tmpdir(), "endpoints-"));
    writeFileSync(path.join(folder, "aws"), '#!/bin/sh\nprintf "%s\\n" "$@"\n');
    chmodSync(path.join(folder, "aws"), 0o755);
  });
  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  /** Runs `script` in bash after evaluating the exports (twice, as a user may), starting from `environment`. */
  const inShell = (script: string, environment: Record<string, string> = {}) =>
    execFileSync("bash", ["-c", `eval "$EXPORTS"; eval "$EXPORTS"; ${script}`], {
      encoding: "utf8",
      env: {
        PATH: `${folder}:/usr/bin:/bin`,
        EXPORTS: shellExports(endpoints, "/opt/event crud/local/aws-cli"),
        ...environment,
      },
    }).trim();

  it("exports dummy credentials, the region, each service's endpoint and the runner's own URLs", () => {
    const printed = inShell(
      'printf "%s|" "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" "$AWS_REGION" "$AWS_DEFAULT_REGION" ' +
        '"$AWS_ENDPOINT_URL_SQS" "$AWS_ENDPOINT_URL_DYNAMODB" "$AWS_ENDPOINT_URL_S3" "$AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI" ' +
        '"$LOCAL_REST_URL" "$LOCAL_WEBSOCKET_URL" "$LOCAL_API_KEY"',
    );
    expect(printed.split("|")).toEqual([
      "local",
      "local",
      "eu-west-1",
      "eu-west-1",
      endpoints.sqs,
      endpoints.dynamodb,
      endpoints.s3,
      endpoints.connections,
      endpoints.restUrl,
      endpoints.websocketUrl,
      endpoints.apiKey,
      "",
    ]);
  });

  it("passes each service's endpoint to an AWS CLI that ignores AWS_ENDPOINT_URL_<SERVICE>", () => {
    expect(inShell("aws sqs list-queues").split("\n")).toEqual([
      "--endpoint-url",
      endpoints.sqs,
      "sqs",
      "list-queues",
    ]);
    expect(inShell("aws --output text dynamodb list-tables").split("\n").slice(0, 2)).toEqual([
      "--endpoint-url",
      endpoints.dynamodb,
    ]);
    expect(inShell("aws apigatewaymanagementapi get-connection --connection-id c1").split("\n")[1]).toBe(
      endpoints.connections,
    );
    expect(inShell("aws s3 cp file.csv s3://bucket/imports/file.csv").split("\n").slice(0, 3)).toEqual([
      "--endpoint-url",
      endpoints.s3,
      "s3",
    ]);
    expect(inShell("aws s3api head-object --bucket b --key k").split("\n")[1]).toBe(endpoints.s3);
    expect(inShell("aws sts get-caller-identity").split("\n")).toEqual(["sts", "get-caller-identity"]);
  });

  it("adds the CLI's data path for SQS's move tasks once, keeping one the user had", () => {
    expect(inShell('printf "%s" "$AWS_DATA_PATH"')).toBe("/opt/event crud/local/aws-cli");
    expect(inShell('printf "%s" "$AWS_DATA_PATH"', { AWS_DATA_PATH: "/home/me/models" })).toBe(
      "/opt/event crud/local/aws-cli:/home/me/models",
    );
  });
});
