import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";

export interface CommandResult {
  readonly command: string;
  readonly stdout: string;
  readonly stderr: string;
  readonly status: number;
}

/**
 * One bash process that runs commands one at a time, as an operator types them into one terminal: variables, `eval`
 * and functions carry over from one command to the next, and each command's output and exit status are kept apart.
 */
export class ShellSession {
  private readonly shell: ChildProcessWithoutNullStreams;
  private stdout = "";
  private stderr = "";
  private exited = false;
  readonly history: CommandResult[] = [];

  constructor(options: { cwd: string; env: NodeJS.ProcessEnv }) {
    this.shell = spawn("bash", ["--noprofile", "--norc"], { cwd: options.cwd, env: options.env });
    this.shell.stdout.on("data", (chunk: Buffer) => {
      this.stdout += chunk.toString("utf8");
    });
    this.shell.stderr.on("data", (chunk: Buffer) => {
      this.stderr += chunk.toString("utf8");
    });
    this.shell.once("exit", () => {
      this.exited = true;
    });
  }

  /** Runs one command (continuation lines included) with no input, and resolves with what it printed. */
  async run(command: string, timeoutMs = 60_000): Promise<CommandResult> {
    const marker = `__done_${randomUUID()}`;
    this.shell.stdin.write(
      `{\n${command}\n} </dev/null\nprintf '\\n${marker} %s\\n' "$?"\nprintf '\\n${marker}\\n' >&2\n`,
    );
    const deadline = Date.now() + timeoutMs;
    const done = new RegExp(`\\n${marker} (\\d+)\\n`);
    while (!(done.test(this.stdout) && this.stderr.includes(`\n${marker}\n`))) {
      if (this.exited) throw new Error(`the shell exited while running: ${command}\n${this.stderr}`);
      if (Date.now() > deadline)
        throw new Error(
          `timed out after ${timeoutMs} ms: ${command}\nstdout: ${this.stdout}\nstderr: ${this.stderr}`,
        );
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const [, status = "0"] = done.exec(this.stdout) ?? [];
    const result: CommandResult = {
      command,
      stdout: this.stdout.slice(0, this.stdout.indexOf(`\n${marker} `)),
      stderr: this.stderr.slice(0, this.stderr.indexOf(`\n${marker}\n`)),
      status: Number(status),
    };
    this.stdout = this.stdout.slice(this.stdout.indexOf("\n", this.stdout.indexOf(`\n${marker} `) + 1) + 1);
    this.stderr = this.stderr.slice(this.stderr.indexOf(`\n${marker}\n`) + marker.length + 2);
    this.history.push(result);
    return result;
  }

  close(): void {
    this.shell.stdin.end();
    this.shell.kill();
  }
}
