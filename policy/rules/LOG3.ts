import { findByReference, referenceTo, resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const LOG3: PolicyRule = {
  id: "LOG3",
  title: "A REST stage that writes execution logs has its execution log group declared",
  rationale:
    "Otherwise API Gateway creates API-Gateway-Execution-Logs_<api>/<stage> itself, unencrypted and kept forever.",
  check: (stack) => {
    const groups = new Set(
      resourcesOf(stack, "aws_cloudwatch_log_group").map((group) => String(group.values.name)),
    );
    return resourcesOf(stack, "aws_api_gateway_method_settings")
      .filter((settings) => {
        const level = (settings.values.settings as { logging_level?: string } | undefined)?.logging_level;
        return level !== undefined && level !== "OFF";
      })
      .filter((settings) => {
        const stage =
          findByReference(stack, settings.values.stage_name)?.values.stage_name ?? settings.values.stage_name;
        const api = findByReference(stack, settings.values.rest_api_id);
        const apiId = api ? referenceTo(api, "id") : String(settings.values.rest_api_id);
        return !groups.has(`API-Gateway-Execution-Logs_${apiId}/${String(stage)}`);
      })
      .map((settings) =>
        finding("LOG3", settings, "logs executions into a log group the stack does not declare"),
      );
  },
};
