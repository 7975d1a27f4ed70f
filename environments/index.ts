import { dev } from "./dev.ts";
import type { EnvironmentConfig } from "./environment-config.ts";
import { prod } from "./prod.ts";
import { staging } from "./staging.ts";

export * from "./environment-config.ts";

/**
 * Every deployable environment, in promotion order: the one list. Synthesis makes one stack per entry, and
 * the tests check the plan workflow's matrix against it.
 */
export const ENVIRONMENTS: readonly EnvironmentConfig[] = [dev, staging, prod];

export const ENVIRONMENT_NAMES: readonly string[] = ENVIRONMENTS.map((config) => config.name);

/** The config of one environment, or an error that lists the environments there are. */
export function environmentNamed(name: string): EnvironmentConfig {
  const config = ENVIRONMENTS.find((candidate) => candidate.name === name);
  if (!config) throw new Error(`no environment "${name}"; environments: ${ENVIRONMENT_NAMES.join(", ")}`);
  return config;
}
