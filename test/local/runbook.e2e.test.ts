import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  outcomeOf,
  type RunningService,
  request,
  startLocalService,
  tokenFor,
  waitFor,
} from "../../local/service-client.ts";
import { resourcesOf } from "../../synthesized/stack-json.ts";
import { type CommandResult, ShellSession } from "../support/shell-session.ts";
import { synthesizedStack } from "../support/synthesized.ts";

// Debian's AWS CLI v2 (awscli 2.9, which speaks SQS's Query protocol); .ci/run installs it and names it in AWS_CLI,
// since another `aws` may come first on PATH.
const awsCli = process.env.AWS_CLI ?? "/usr/bin/aws";
const available = existsSync(awsCli);
if (!available) {
  if (process.env.CI) throw new Error(`No AWS CLI at ${awsCli}: .ci/run installs Debian's awscli package`);
  console.warn(
    `Skipping the runbook rehearsal: no AWS CLI at ${awsCli} (apt-get install awscli, or set AWS_CLI)`,
  );
}

/** The README's section under `heading`, up to the next heading of the same or a higher level. */
function section(markdown: string, heading: string): string {
  const level = heading.indexOf(" ");
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README has no section "${heading}"`);
  const rest = markdown.slice(start + heading.length + 2);
  const next = rest.search(new RegExp(`\\n#{1,${level}} `));
  return next < 0 ? rest : rest.slice(0, next);
}

/** The `sh` code blocks of a piece of markdown, in order, without the indentation of the list they sit in. */
function shellBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^( *)```sh\n([\s\S]*?)^ *```$/gm)].map(([, indent = "", body = ""]) =>
    body
      .split("\n")
      .map((line) => line.slice(indent.length))
      .join("\n"),
  );
}

/** A block's commands as a shell reads them: continuation lines joined, blank and comment lines dropped. */
function commandsOf(block: string): string[] {
  return block
    .replace(/\\\n\s*/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

const readme = readFileSync("README.md", "utf8");
const runbook = section(readme, "## DLQ runbook");
const rehearsal = section(runbook, "### Rehearse it locally");
const runbookBlocks = shellBlocks(runbook.slice(0, runbook.indexOf("### Rehearse it locally")));
const [environmentBlock = "", ...stepBlocks] = runbookBlocks;
const [runnerBlock = "", setupBlock = "", followUpBlock = ""] = shellBlocks(rehearsal);
const injectedFaults = Number(/--inject-fault items-create:(\d+)/.exec(runnerBlock)?.[1]);

/** A session with `aws` resolving to the CLI under test and nothing of this machine's AWS settings. */
function operatorShell(folder: string): ShellSession {
  symlinkSync(awsCli, path.join(folder, "aws"));
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith("AWS_")),
  );
  return new ShellSession({
    cwd: process.cwd(),
    env: {
      ...inherited,
      PATH: `${folder}:${process.env.PATH ?? ""}`,
      AWS_CONFIG_FILE: path.join(folder, "config"),
      AWS_SHARED_CREDENTIALS_FILE: path.join(folder, "credentials"),
      AWS_PAGER: "",
    },
  });
}

/** The runner commands of a block as a user would type them for a runner on other ports than the defaults. */
function onPortsOf(service: RunningService, command: string): string {
  const ports = `--rest-port ${new URL(service.restUrl).port} --auth-port ${new URL(service.authUrl).port}`;
  return command.replaceAll("npm run -s local -- ", `npm run -s local -- ${ports} `);
}

async function runAll(shell: ShellSession, service: RunningService, commands: readonly string[]) {
  const results: CommandResult[] = [];
  for (const command of commands) {
    const result = await shell.run(onPortsOf(service, command), 90_000);
    if (result.status !== 0)
      throw new Error(`"${command}" failed with ${result.status}:\n${result.stderr}\n${result.stdout}`);
    results.push(result);
  }
  return results;
}

const outputOf = (results: readonly CommandResult[], pattern: RegExp) => {
  const result = results.find((candidate) => pattern.test(candidate.command));
  if (!result) throw new Error(`no command matches ${pattern}: ${results.map((r) => r.command).join("\n")}`);
  return result.stdout;
};

/** Starts the runner with `runnerArguments` and an operator's shell beside it, for the tests of one describe block. */
function runnerAndShell(runnerArguments: string[]) {
  const running = {} as { service: RunningService; shell: ShellSession };
  let folder: string | undefined;
  beforeAll(async () => {
    running.service = await startLocalService(runnerArguments);
    folder = mkdtempSync(path.join(tmpdir(), "runbook-"));
    running.shell = operatorShell(folder);
  }, 90_000);
  afterAll(async () => {
    running.shell?.close();
    await running.service?.stop();
    if (folder) rmSync(folder, { recursive: true, force: true });
  });
  return running;
}

describe("the README's DLQ runbook", () => {
  it("has what the rehearsal needs: a runner command, the setup, the steps and a follow-up", () => {
    expect(runnerBlock).toMatch(/^npm run local -- .*--inject-fault items-create:\d+/);
    // One failed invocation per receive the create queue allows, so exactly one create reaches the DLQ.
    const createQueue = resourcesOf(synthesizedStack("dev"), "aws_sqs_queue").find(
      (queue) => queue.values.name === "crud-dev-create",
    );
    expect(injectedFaults).toBe(JSON.parse(String(createQueue?.values.redrive_policy)).maxReceiveCount);
    expect(commandsOf(environmentBlock)).toEqual([expect.stringMatching(/^dlq=\$\(terraform /)]);
    expect(commandsOf(setupBlock)).toContainEqual(expect.stringMatching(/^dlq=\$\(aws sqs get-queue-url /));
    expect(stepBlocks.flatMap(commandsOf)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^aws sqs get-queue-attributes .*ApproximateNumberOfMessages/),
        expect.stringMatching(/^aws sqs receive-message /),
        expect.stringMatching(/^aws sqs start-message-move-task /),
        expect.stringMatching(/^aws sqs list-message-move-tasks /),
      ]),
    );
    expect(commandsOf(followUpBlock)).toEqual([
      expect.stringMatching(/^until aws dynamodb scan .*Rehearsal lamp/),
      expect.stringMatching(/^aws sqs list-message-move-tasks /),
    ]);
  });
});

describe.skipIf(!available)("the DLQ runbook, rehearsed with the AWS CLI against npm run local", () => {
  const running = runnerAndShell(
    runnerBlock
      .trim()
      .replace(/^npm run local -- /, "")
      .split(/\s+/),
  );

  it("sees a failed create reach the DLQ, inspects it, redrives it with a move task and sees it processed", {
    timeout: 240_000,
  }, async () => {
    const setup = await runAll(running.shell, running.service, commandsOf(setupBlock));
    const accepted = JSON.parse(outputOf(setup, /^curl .*\/items"/)) as { requestId: string };

    // Step 2's commands name what the operator picks from step 1 (`<ReceiptHandle ...>`): a rehearsal of a
    // transient fault deletes nothing, so they are the ones left out.
    const stepCommands = stepBlocks.flatMap(commandsOf);
    const templates = stepCommands.filter((command) => /<[A-Z][^>]*>/.test(command));
    expect(templates).toEqual([expect.stringMatching(/^aws sqs delete-message /)]);
    const steps = await runAll(
      running.shell,
      running.service,
      stepCommands.filter((command) => !templates.includes(command)),
    );

    const counted = JSON.parse(
      outputOf(steps, /^aws sqs get-queue-attributes .*ApproximateNumberOfMessages /),
    );
    expect(counted).toEqual({
      Attributes: { ApproximateNumberOfMessages: "1", ApproximateNumberOfMessagesNotVisible: "0" },
    });
    const inspected = JSON.parse(outputOf(steps, /^aws sqs receive-message /)) as {
      Messages: Array<{
        Body: string;
        Attributes: Record<string, string>;
        MessageAttributes: Record<string, { StringValue: string }>;
      }>;
    };
    expect(inspected.Messages).toHaveLength(1);
    const [message] = inspected.Messages;
    expect(JSON.parse(String(message?.Body))).toMatchObject({
      requestId: accepted.requestId,
      operation: "create",
      payload: { name: "Rehearsal lamp" },
    });
    expect(message?.Attributes).toMatchObject({
      DeadLetterQueueSourceArn: "arn:aws:sqs:eu-west-1:000000000000:crud-dev-create",
      // Every failed receive the source queue allows, and the operator's own.
      ApproximateReceiveCount: String(injectedFaults + 1),
    });
    expect(message?.MessageAttributes.requestId?.StringValue).toBe(accepted.requestId);

    expect(JSON.parse(outputOf(steps, /^aws sqs start-message-move-task /))).toEqual({
      TaskHandle: expect.any(String),
    });
    const listed = JSON.parse(outputOf(steps, /^aws sqs list-message-move-tasks /)) as {
      Results: Array<Record<string, unknown>>;
    };
    expect(listed.Results).toEqual([
      expect.objectContaining({
        SourceArn: "arn:aws:sqs:eu-west-1:000000000000:crud-dev-dlq",
        MaxNumberOfMessagesPerSecond: 10,
        ApproximateNumberOfMessagesToMove: 1,
      }),
    ]);

    const followUp = await runAll(running.shell, running.service, commandsOf(followUpBlock));
    expect(JSON.parse(outputOf(followUp, /^aws sqs list-message-move-tasks /))).toEqual({
      Results: [
        expect.objectContaining({
          Status: "COMPLETED",
          ApproximateNumberOfMessagesMoved: 1,
          ApproximateNumberOfMessagesToMove: 1,
        }),
      ],
    });
    // The rehearsal's user (`token alice`) sees the outcome of its create.
    const alice = { ...running.service, token: await tokenFor(running.service, "alice") };
    expect(await outcomeOf(alice, accepted.requestId)).toMatchObject({
      operation: "create",
      status: "success",
    });
    const dlq = (await (await fetch(`${running.service.restUrl}/_local/dlq`)).json()) as { count: number };
    expect(dlq.count).toBe(0);
  });
});

/** What `npm run local -- dlq list` prints. */
interface DlqListing {
  arn: string;
  count: number;
  visible: number;
  messages: Array<{ messageId: string; source: string; receiveCount: number }>;
}

describe.skipIf(!available)("npm run local -- dlq list|redrive and the AWS CLI", () => {
  // Every create fails: whatever is redriven comes back to the DLQ.
  const running = runnerAndShell(["--inject-fault", "items-create", "--time-scale", "0.01"]);

  const local = async (command: string) => {
    const result = await running.shell.run(onPortsOf(running.service, `npm run -s local -- ${command}`));
    return { ...result, json: result.status === 0 ? JSON.parse(result.stdout) : undefined };
  };
  const aws = async (command: string) => {
    const result = await running.shell.run(`aws ${command}`);
    if (result.status !== 0) throw new Error(`aws ${command} failed: ${result.stderr}`);
    return result.stdout.trim() === "" ? {} : JSON.parse(result.stdout);
  };
  const dlqHolds = (count: number) =>
    waitFor(
      async () => {
        const listing = (await local("dlq list")).json as DlqListing;
        return listing.count === count && listing.visible === count ? listing : undefined;
      },
      60_000,
      `${count} visible messages in the DLQ`,
    );

  it("see the same messages, and start, refuse and list the same move tasks", {
    timeout: 240_000,
  }, async () => {
    expect(
      (await running.shell.run(onPortsOf(running.service, 'eval "$(npm run -s local -- endpoints)"'))).status,
    ).toBe(0);
    for (const name of ["first", "second", "third"])
      expect((await request(running.service, "POST", "/items", { name })).status).toBe(202);
    const listing = await dlqHolds(3);
    await running.shell.run(
      "dlq=$(aws sqs get-queue-url --queue-name crud-dev-dlq --query QueueUrl --output text)",
    );
    const dlq = '"$dlq"';
    expect(await aws(`sqs get-queue-attributes --queue-url ${dlq} --attribute-names All`)).toMatchObject({
      Attributes: {
        QueueArn: listing.arn,
        ApproximateNumberOfMessages: "3",
        ApproximateNumberOfMessagesNotVisible: "0",
      },
    });
    const received = (await aws(
      `sqs receive-message --queue-url ${dlq} --max-number-of-messages 10 --visibility-timeout 0 --attribute-names All`,
    )) as { Messages: Array<{ MessageId: string; Attributes: Record<string, string> }> };
    const seen = (messages: Array<{ MessageId: string; Attributes: Record<string, string> }>) =>
      messages.map((message) => [message.MessageId, message.Attributes.DeadLetterQueueSourceArn]).sort();
    expect(seen(received.Messages)).toEqual(
      listing.messages.map((message) => [message.messageId, message.source]).sort(),
    );

    // The runner's redrive is the CLI's move task: the CLI lists the very entry the command printed.
    const redriven = await local("dlq redrive");
    expect(redriven.json).toMatchObject({ Status: "COMPLETED", ApproximateNumberOfMessagesMoved: 3 });
    expect(await aws(`sqs list-message-move-tasks --source-arn ${listing.arn}`)).toEqual({
      Results: [redriven.json],
    });

    // Still failing, they are back; a paced task started with the CLI keeps the runner's redrive out.
    await dlqHolds(3);
    const started = (await aws(
      `sqs start-message-move-task --source-arn ${listing.arn} --max-number-of-messages-per-second 1`,
    )) as { TaskHandle: string };
    // Asked of the runner directly: a new npm process could start after the paced task has finished.
    const refused = await fetch(`${running.service.restUrl}/_local/dlq/redrive`, { method: "POST" });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/There is already a task running/);
    const cancelled = (await aws(`sqs cancel-message-move-task --task-handle ${started.TaskHandle}`)) as {
      ApproximateNumberOfMessagesMoved: number;
    };
    const [task] = (
      (await aws(`sqs list-message-move-tasks --source-arn ${listing.arn}`)) as {
        Results: Array<{ Status: string; ApproximateNumberOfMessagesMoved: number }>;
      }
    ).Results;
    expect(task?.Status).toMatch(/^CANCELL(ING|ED)$/);
    expect(task?.ApproximateNumberOfMessagesMoved).toBe(cancelled.ApproximateNumberOfMessagesMoved);
    // What the cancelled task moved fails again and comes back: then both count all three again.
    await dlqHolds(3);
    expect(
      await aws(
        `sqs get-queue-attributes --queue-url ${dlq} --attribute-names ApproximateNumberOfMessages ApproximateNumberOfMessagesNotVisible`,
      ),
    ).toEqual({
      Attributes: { ApproximateNumberOfMessages: "3", ApproximateNumberOfMessagesNotVisible: "0" },
    });
  });
});
