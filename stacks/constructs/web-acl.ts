import { Wafv2WebAcl } from "@cdktf/provider-aws/lib/wafv2-web-acl";
import { Wafv2WebAclAssociation } from "@cdktf/provider-aws/lib/wafv2-web-acl-association";
import { Construct } from "constructs";

export interface WebAclProps {
  readonly name: string;
  /** ARN of the API Gateway stage to protect; a CloudFront ACL is named by its distribution instead. */
  readonly stageArn?: string;
  /** REGIONAL for an API stage, CLOUDFRONT (created in us-east-1) for a distribution. @default "REGIONAL" */
  readonly scope?: "REGIONAL" | "CLOUDFRONT";
  /** Requests one IP may make in any five minutes before WAF blocks it. */
  readonly requestsPerFiveMinutesPerIp: number;
}

const visibility = (metricName: string) => ({
  SampledRequestsEnabled: true,
  CloudWatchMetricsEnabled: true,
  MetricName: metricName,
});

/**
 * The rules of AWS's common rule set. Each one's block is answered with this API's JSON error instead of WAF's
 * HTML page. The body rules only count: the body-size rule blocks bodies over 8 KB, and the API accepts larger
 * valid ones (its own models and REQUEST_TOO_LARGE bound them); the content rules block item text the API takes
 * as data (a name with `<b>`, a description with `../docs` or a URL), which the models accept and dev stores,
 * while nothing of this service interprets it: clients render it as text. Their counts stay visible in WAF's metrics.
 */
const COMMON_RULE_SET_RULES = [
  "NoUserAgent_HEADER",
  "UserAgent_BadBots_HEADER",
  "SizeRestrictions_QUERYSTRING",
  "SizeRestrictions_Cookie_HEADER",
  "SizeRestrictions_BODY",
  "SizeRestrictions_URIPATH",
  "EC2MetaDataSSRF_BODY",
  "EC2MetaDataSSRF_COOKIE",
  "EC2MetaDataSSRF_URIPATH",
  "EC2MetaDataSSRF_QUERYARGUMENTS",
  "GenericLFI_QUERYARGUMENTS",
  "GenericLFI_URIPATH",
  "GenericLFI_BODY",
  "RestrictedExtensions_URIPATH",
  "RestrictedExtensions_QUERYARGUMENTS",
  "GenericRFI_QUERYARGUMENTS",
  "GenericRFI_BODY",
  "GenericRFI_URIPATH",
  "CrossSiteScripting_COOKIE",
  "CrossSiteScripting_QUERYARGUMENTS",
  "CrossSiteScripting_BODY",
  "CrossSiteScripting_URIPATH",
] as const;
const COUNT_ONLY = new Set<string>([
  "SizeRestrictions_BODY",
  "EC2MetaDataSSRF_BODY",
  "GenericLFI_BODY",
  "GenericRFI_BODY",
  "CrossSiteScripting_BODY",
]);

/** JSON bodies WAF answers blocked requests with, as every other error of the API is JSON. */
const RESPONSE_BODIES = {
  blocked: '{"error":"the request was blocked by the web application firewall"}',
  "rate-limited": '{"error":"too many requests from this address; retry later"}',
} as const;

const blockWith = (ResponseCode: number, CustomResponseBodyKey: keyof typeof RESPONSE_BODIES) => ({
  Block: { CustomResponse: { ResponseCode, CustomResponseBodyKey } },
});

/**
 * A web ACL on the REST stage (regional) or a distribution (CloudFront): a per-IP rate limit (429), then AWS's common rule set (403), both
 * answering JSON.
 */
export class WebAcl extends Construct {
  readonly webAcl: Wafv2WebAcl;

  constructor(scope: Construct, id: string, props: WebAclProps) {
    super(scope, id);
    const rules = [
      {
        Name: "rate-limit-per-ip",
        Priority: 0,
        Action: blockWith(429, "rate-limited"),
        Statement: {
          RateBasedStatement: { Limit: props.requestsPerFiveMinutesPerIp, AggregateKeyType: "IP" },
        },
        VisibilityConfig: visibility(`${props.name}-rate-limit`),
      },
      {
        Name: "aws-common-rule-set",
        Priority: 1,
        OverrideAction: { None: {} },
        Statement: {
          ManagedRuleGroupStatement: {
            VendorName: "AWS",
            Name: "AWSManagedRulesCommonRuleSet",
            RuleActionOverrides: COMMON_RULE_SET_RULES.map((Name) => ({
              Name,
              ActionToUse: COUNT_ONLY.has(Name) ? { Count: {} } : blockWith(403, "blocked"),
            })),
          },
        },
        VisibilityConfig: visibility(`${props.name}-common`),
      },
    ];
    this.webAcl = new Wafv2WebAcl(this, "web-acl", {
      name: props.name,
      scope: props.scope ?? "REGIONAL",
      defaultAction: { allow: {} },
      visibilityConfig: {
        sampledRequestsEnabled: true,
        cloudwatchMetricsEnabled: true,
        metricName: props.name,
      },
      ruleJson: JSON.stringify(rules),
      customResponseBody: Object.entries(RESPONSE_BODIES).map(([key, content]) => ({
        key,
        content,
        contentType: "APPLICATION_JSON",
      })),
    });
    if (props.stageArn)
      new Wafv2WebAclAssociation(this, "association", {
        resourceArn: props.stageArn,
        webAclArn: this.webAcl.arn,
      });
  }
}
