import { ApiGatewayApiKey } from "@cdktf/provider-aws/lib/api-gateway-api-key";
import { ApiGatewayUsagePlan } from "@cdktf/provider-aws/lib/api-gateway-usage-plan";
import { ApiGatewayUsagePlanKey } from "@cdktf/provider-aws/lib/api-gateway-usage-plan-key";
import { Construct } from "constructs";

export interface ApiKeyAccessProps {
  readonly name: string;
  readonly restApiId: string;
  readonly stageName: string;
  readonly throttlingBurstLimit: number;
  readonly throttlingRateLimit: number;
}

/** The environment's API key and the usage plan that throttles it on the stage. */
export class ApiKeyAccess extends Construct {
  readonly apiKey: ApiGatewayApiKey;

  constructor(scope: Construct, id: string, props: ApiKeyAccessProps) {
    super(scope, id);
    this.apiKey = new ApiGatewayApiKey(this, "key", { name: props.name, enabled: true });
    const plan = new ApiGatewayUsagePlan(this, "usage-plan", {
      name: props.name,
      apiStages: [{ apiId: props.restApiId, stage: props.stageName }],
      throttleSettings: { burstLimit: props.throttlingBurstLimit, rateLimit: props.throttlingRateLimit },
    });
    new ApiGatewayUsagePlanKey(this, "usage-plan-key", {
      keyId: this.apiKey.id,
      keyType: "API_KEY",
      usagePlanId: plan.id,
    });
  }
}
