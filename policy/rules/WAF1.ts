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

/** Common rule set rules that read the body, and what they would block that the API's models accept. */
const BODY_RULES: Readonly<Record<string, string>> = {
  SizeRestrictions_BODY: "bodies over 8 KB that the API accepts",
  CrossSiteScripting_BODY: "item text with markup, which the API stores as data",
  GenericLFI_BODY: "item text with paths such as ../docs, which the API stores as data",
  GenericRFI_BODY: "item text with URLs, which the API stores as data",
  EC2MetaDataSSRF_BODY: "item text naming addresses, which the API stores as data",
};

export const WAF1: PolicyRule = {
  id: "WAF1",
  title: "Web ACLs answer blocks with the API's JSON errors and do not block bodies the API accepts",
  rationale:
    "WAF's default block is an HTML 403 that clients of a JSON API cannot read, and the common rule set's body " +
    "rules (8 KB, markup, paths, URLs) block valid requests that the API's own models accept and dev stores.",
  check: (stack) =>
    resourcesOf(stack, "aws_wafv2_web_acl").flatMap((acl) => {
      const rules = JSON.parse(String(acl.values.rule_json ?? "[]")) as WafRule[];
      const findings = [];
      for (const rule of rules) {
        if (rule.Action?.Block && !rule.Action.Block.CustomResponse)
          findings.push(finding("WAF1", acl, `rule ${rule.Name} blocks without a custom (JSON) response`));
        const group = rule.Statement?.ManagedRuleGroupStatement;
        if (group?.Name === "AWSManagedRulesCommonRuleSet") {
          for (const [name, why] of Object.entries(BODY_RULES)) {
            const override = group.RuleActionOverrides?.find((candidate) => candidate.Name === name);
            if (!override || !("Count" in override.ActionToUse))
              findings.push(finding("WAF1", acl, `${name} blocks ${why}`));
          }
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
