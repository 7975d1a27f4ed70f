import { resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

/** Node.js runtimes Lambda supports and this project builds for. */
export const SUPPORTED_RUNTIMES = ["nodejs22.x"];

export const L3: PolicyRule = {
  id: "L3",
  title: "Functions use a supported runtime",
  rationale: "Deprecated runtimes stop receiving security patches and then block updates.",
  mirrors: "cdk-nag AwsSolutions-L1",
  check: (stack) =>
    resourcesOf(stack, "aws_lambda_function")
      .filter((fn) => !SUPPORTED_RUNTIMES.includes(String(fn.values.runtime)))
      .map((fn) =>
        finding(
          "L3",
          fn,
          `runtime ${String(fn.values.runtime)} is not one of ${SUPPORTED_RUNTIMES.join(", ")}`,
        ),
      ),
};
