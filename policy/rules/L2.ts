import { resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const L2: PolicyRule = {
  id: "L2",
  title: "Functions run on arm64",
  rationale: "Graviton costs about 20% less per GB-second for the same Node.js code.",
  check: (stack) =>
    resourcesOf(stack, "aws_lambda_function")
      .filter((fn) => JSON.stringify(fn.values.architectures) !== JSON.stringify(["arm64"]))
      .map((fn) =>
        finding("L2", fn, `architectures is ${JSON.stringify(fn.values.architectures ?? ["x86_64"])}`),
      ),
};
