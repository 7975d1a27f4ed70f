import { attachedToBucket } from "../../synthesized/buckets.ts";
import { asList, resourcesOf, statementsOf } from "../../synthesized/stack-json.ts";
import { finding, type PolicyRule } from "../rule.ts";

export const S3B2: PolicyRule = {
  id: "S3B2",
  title: "Every bucket refuses requests without TLS, to the bucket and its objects",
  rationale: "A bucket policy denying aws:SecureTransport=false keeps objects off plain HTTP.",
  mirrors: "cdk-nag AwsSolutions-S10",
  check: (stack) =>
    resourcesOf(stack, "aws_s3_bucket").flatMap((bucket) => {
      const policies = attachedToBucket(stack, "aws_s3_bucket_policy", bucket);
      const arn = `\${${bucket.address}.arn}`;
      const deniesPlainHttp = policies.some((policy) =>
        statementsOf(policy.values.policy).some((statement) => {
          const resources = asList(statement.Resource);
          return (
            statement.Effect === "Deny" &&
            statement.Principal === "*" &&
            asList(statement.Action).includes("s3:*") &&
            resources.includes(arn) &&
            resources.includes(`${arn}/*`) &&
            JSON.stringify(statement.Condition) ===
              JSON.stringify({ Bool: { "aws:SecureTransport": "false" } })
          );
        }),
      );
      return deniesPlainHttp
        ? []
        : [
            finding(
              "S3B2",
              bucket,
              "no bucket policy denies insecure transport to the bucket and its objects",
            ),
          ];
    }),
};
