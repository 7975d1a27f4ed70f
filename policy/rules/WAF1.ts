import { resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

interface WafRule {
  Name: string;
  Action?: { Block?: { CustomResponse?: unknown } };
  Statement?: {
    ManagedRuleGroupStatement?: {
      Name?: string;
      RuleActionOverrides?: Array<{ Name: string; ActionToUse: Record<string, unknown> }>;
    };
  };
}

export const WAF1: PolicyRule = {
  id: "WAF1",
  title: "Web ACLs answer blocks with the API's JSON errors and do not block bodies the API accepts",
  rationale:
    "WAF's default block is an HTML 403 that clients of a JSON API cannot read, and the common rule set's 8 KB body " +
    "limit blocks valid requests that the API's own models accept.",
  check: (stack) =>
    resourcesOf(stack, "aws_wafv2_web_acl").flatMap((acl) => {
      const rules = JSON.parse(String(acl.values.rule_json ?? "[]")) as WafRule[];
      const findings = [];
      for (const rule of rules) {
        if (rule.Action?.Block && !rule.Action.Block.CustomResponse)
          findings.push(finding("WAF1", acl, `rule ${rule.Name} blocks without a custom (JSON) response`));
        const group = rule.Statement?.ManagedRuleGroupStatement;
        if (group?.Name === "AWSManagedRulesCommonRuleSet") {
          const size = group.RuleActionOverrides?.find(
            (override) => override.Name === "SizeRestrictions_BODY",
          );
          if (!size || !("Count" in size.ActionToUse))
            findings.push(
              finding("WAF1", acl, "SizeRestrictions_BODY blocks bodies over 8 KB that the API accepts"),
            );
          const plain = (group.RuleActionOverrides ?? []).filter(
            (override) =>
              "Block" in override.ActionToUse &&
              !(override.ActionToUse.Block as { CustomResponse?: unknown }).CustomResponse,
          );
          if (!group.RuleActionOverrides || plain.length > 0)
            findings.push(finding("WAF1", acl, "the common rule set's blocks answer WAF's HTML page"));
        }
      }
      return findings;
    }),
};
