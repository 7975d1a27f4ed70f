import type { EnvironmentConfig } from "../environments/environment-config.ts";
import type { StackJson } from "../synthesized/stack-json.ts";
import type { Finding, PolicyRule } from "./rule.ts";
import { APIG1 } from "./rules/APIG1.ts";
import { APIG2 } from "./rules/APIG2.ts";
import { APIG3 } from "./rules/APIG3.ts";
import { APIG4 } from "./rules/APIG4.ts";
import { APIG5 } from "./rules/APIG5.ts";
import { APIG6 } from "./rules/APIG6.ts";
import { APIG7 } from "./rules/APIG7.ts";
import { APIG8 } from "./rules/APIG8.ts";
import { CF1 } from "./rules/CF1.ts";
import { CF2 } from "./rules/CF2.ts";
import { CF3 } from "./rules/CF3.ts";
import { CF4 } from "./rules/CF4.ts";
import { CF5 } from "./rules/CF5.ts";
import { COG1 } from "./rules/COG1.ts";
import { COG2 } from "./rules/COG2.ts";
import { CW1 } from "./rules/CW1.ts";
import { CW2 } from "./rules/CW2.ts";
import { DDB1 } from "./rules/DDB1.ts";
import { DDB2 } from "./rules/DDB2.ts";
import { DDB3 } from "./rules/DDB3.ts";
import { ESM1 } from "./rules/ESM1.ts";
import { ESM2 } from "./rules/ESM2.ts";
import { ESM3 } from "./rules/ESM3.ts";
import { ESM4 } from "./rules/ESM4.ts";
import { EVB1 } from "./rules/EVB1.ts";
import { EVB2 } from "./rules/EVB2.ts";
import { EVB3 } from "./rules/EVB3.ts";
import { EVB4 } from "./rules/EVB4.ts";
import { IAM1 } from "./rules/IAM1.ts";
import { IAM2 } from "./rules/IAM2.ts";
import { IAM3 } from "./rules/IAM3.ts";
import { IAM4 } from "./rules/IAM4.ts";
import { IAM5 } from "./rules/IAM5.ts";
import { IAM6 } from "./rules/IAM6.ts";
import { KMS1 } from "./rules/KMS1.ts";
import { KMS2 } from "./rules/KMS2.ts";
import { L1 } from "./rules/L1.ts";
import { L2 } from "./rules/L2.ts";
import { L3 } from "./rules/L3.ts";
import { L4 } from "./rules/L4.ts";
import { L5 } from "./rules/L5.ts";
import { L6 } from "./rules/L6.ts";
import { LOG1 } from "./rules/LOG1.ts";
import { LOG2 } from "./rules/LOG2.ts";
import { LOG3 } from "./rules/LOG3.ts";
import { S3B1 } from "./rules/S3B1.ts";
import { S3B2 } from "./rules/S3B2.ts";
import { S3B3 } from "./rules/S3B3.ts";
import { S3B4 } from "./rules/S3B4.ts";
import { SCH1 } from "./rules/SCH1.ts";
import { SCH2 } from "./rules/SCH2.ts";
import { SCH3 } from "./rules/SCH3.ts";
import { SNS1 } from "./rules/SNS1.ts";
import { SQS1 } from "./rules/SQS1.ts";
import { SQS2 } from "./rules/SQS2.ts";
import { SQS3 } from "./rules/SQS3.ts";
import { SQS4 } from "./rules/SQS4.ts";
import { SQS5 } from "./rules/SQS5.ts";
import { SQS7 } from "./rules/SQS7.ts";
import { WAF1 } from "./rules/WAF1.ts";
import { SUPPRESSIONS, type Suppression } from "./suppressions.ts";

export const RULES: readonly PolicyRule[] = [
  SQS1,
  SQS2,
  SQS3,
  SQS4,
  SQS5,
  SQS7,
  DDB1,
  DDB2,
  DDB3,
  LOG1,
  LOG2,
  LOG3,
  SNS1,
  KMS1,
  KMS2,
  L1,
  L2,
  L3,
  L4,
  L5,
  L6,
  ESM1,
  ESM2,
  ESM3,
  ESM4,
  EVB1,
  EVB2,
  EVB3,
  EVB4,
  SCH1,
  SCH2,
  SCH3,
  IAM1,
  IAM2,
  IAM3,
  IAM4,
  IAM5,
  IAM6,
  APIG1,
  APIG2,
  APIG3,
  APIG4,
  APIG5,
  APIG6,
  APIG7,
  APIG8,
  COG1,
  COG2,
  CW1,
  CW2,
  WAF1,
  CF1,
  CF2,
  CF3,
  CF4,
  CF5,
  S3B1,
  S3B2,
  S3B3,
  S3B4,
];

export interface Evaluation {
  readonly findings: Finding[];
  /** Findings a suppression covers, with its reason. */
  readonly suppressed: Array<Finding & { reason: string }>;
}

/** Runs every rule over one synthesized stack; suppressions need a reason and must still match something. */
export function evaluateStack(
  stack: StackJson,
  config: EnvironmentConfig,
  rules: readonly PolicyRule[] = RULES,
  suppressions: readonly Suppression[] = SUPPRESSIONS,
): Evaluation {
  const findings: Finding[] = [];
  const suppressed: Evaluation["suppressed"] = [];
  for (const rule of rules) {
    for (const found of rule.check(stack, { config })) {
      const suppression = suppressions.find(
        (candidate) => candidate.rule === found.rule && candidate.resource.test(found.resource),
      );
      if (suppression) suppressed.push({ ...found, reason: suppression.reason });
      else findings.push(found);
    }
  }
  return { findings, suppressed };
}
