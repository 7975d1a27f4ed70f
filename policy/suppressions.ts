/**
 * Findings accepted on purpose. Each names its rule, the resources it covers and why; a suppression
 * without a reason is refused by the tests. There are none today: keep it that way where you can.
 */
export interface Suppression {
  readonly rule: string;
  /** Matched against the finding's Terraform address. */
  readonly resource: RegExp;
  readonly reason: string;
}

export const SUPPRESSIONS: readonly Suppression[] = [];
