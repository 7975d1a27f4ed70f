import { Wafv2WebAcl } from "@cdktf/provider-aws/lib/wafv2-web-acl";
import { Wafv2WebAclAssociation } from "@cdktf/provider-aws/lib/wafv2-web-acl-association";
import { Construct } from "constructs";

export interface WebAclProps {
  readonly name: string;
  /** ARN of the API Gateway stage to protect. */
  readonly stageArn: string;
  /** Requests one IP may make in any five minutes before WAF blocks it. */
  readonly requestsPerFiveMinutesPerIp: number;
}

const visibility = (metricName: string) => ({
  SampledRequestsEnabled: true,
  CloudWatchMetricsEnabled: true,
  MetricName: metricName,
});

/** A regional web ACL on the REST stage: a per-IP rate limit, then AWS's common rule set. */
export class WebAcl extends Construct {
  readonly webAcl: Wafv2WebAcl;

  constructor(scope: Construct, id: string, props: WebAclProps) {
    super(scope, id);
    const rules = [
      {
        Name: "rate-limit-per-ip",
        Priority: 0,
        Action: { Block: {} },
        Statement: {
          RateBasedStatement: { Limit: props.requestsPerFiveMinutesPerIp, AggregateKeyType: "IP" },
        },
        VisibilityConfig: visibility(`${props.name}-rate-limit`),
      },
      {
        Name: "aws-common-rule-set",
        Priority: 1,
        OverrideAction: { None: {} },
        Statement: { ManagedRuleGroupStatement: { VendorName: "AWS", Name: "AWSManagedRulesCommonRuleSet" } },
        VisibilityConfig: visibility(`${props.name}-common`),
      },
    ];
    this.webAcl = new Wafv2WebAcl(this, "web-acl", {
      name: props.name,
      scope: "REGIONAL",
      defaultAction: { allow: {} },
      visibilityConfig: {
        sampledRequestsEnabled: true,
        cloudwatchMetricsEnabled: true,
        metricName: props.name,
      },
      ruleJson: JSON.stringify(rules),
    });
    new Wafv2WebAclAssociation(this, "association", {
      resourceArn: props.stageArn,
      webAclArn: this.webAcl.arn,
    });
  }
}
