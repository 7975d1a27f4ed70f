import { blocksOf, findByReference, resourcesOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

/** A year: the least HSTS max-age that browsers' preload lists accept. */
const MIN_HSTS_SECONDS = 31_536_000;

interface SecurityHeaders {
  content_security_policy?: unknown;
  strict_transport_security?: unknown;
  content_type_options?: unknown;
  frame_options?: unknown;
}

function headerProblems(headers: SecurityHeaders | undefined): string[] {
  const problems: string[] = [];
  const csp =
    blocksOf<{ content_security_policy?: string }>(headers?.content_security_policy)[0]
      ?.content_security_policy ?? "";
  if (!/(^|;\s*)default-src 'none'/.test(csp))
    problems.push("the CSP does not start from default-src 'none'");
  if (/'unsafe-inline'|'unsafe-eval'|(^|\s)\*(\s|;|$)/.test(csp))
    problems.push("the CSP allows inline or eval'd script, or any origin");
  if (!/frame-ancestors 'none'/.test(csp)) problems.push("the CSP lets other sites frame the page");
  const [hsts] = blocksOf<{ access_control_max_age_sec?: number; include_subdomains?: boolean }>(
    headers?.strict_transport_security,
  );
  if (!hsts || Number(hsts.access_control_max_age_sec) < MIN_HSTS_SECONDS || hsts.include_subdomains !== true)
    problems.push("no HSTS of a year or more that includes subdomains");
  if (blocksOf(headers?.content_type_options).length === 0) problems.push("no X-Content-Type-Options");
  if (blocksOf<{ frame_option?: string }>(headers?.frame_options)[0]?.frame_option !== "DENY")
    problems.push("X-Frame-Options is not DENY");
  return problems;
}

export const CF3: PolicyRule = {
  id: "CF3",
  title: "Every cache behavior answers with a response headers policy: strict CSP, HSTS, nosniff, no framing",
  rationale:
    "The site holds users' tokens in memory: a CSP without inline script stops injected script from reading them, " +
    "HSTS stops a downgrade to HTTP, and no framing stops clickjacking.",
  mirrors: "checkov CKV_AWS_259 (HSTS); OWASP secure headers",
  check: (stack) =>
    resourcesOf(stack, "aws_cloudfront_distribution").flatMap((distribution) => {
      const behaviors = [
        ...blocksOf(distribution.values.default_cache_behavior),
        ...blocksOf(distribution.values.ordered_cache_behavior),
      ];
      return behaviors.flatMap((behavior) => {
        const policy = findByReference(stack, behavior.response_headers_policy_id);
        if (!policy)
          return [
            finding("CF3", distribution, "a cache behavior has no response headers policy of this stack"),
          ];
        const [headers] = blocksOf<SecurityHeaders>(policy.values.security_headers_config);
        return headerProblems(headers).map((problem) => finding("CF3", policy, problem));
      });
    }),
};
