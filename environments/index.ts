import { dev } from "./dev.ts";
import type { EnvironmentConfig } from "./environment-config.ts";
import { prod } from "./prod.ts";
import { staging } from "./staging.ts";

export * from "./environment-config.ts";

/** Every deployable environment, in promotion order. */
export const ENVIRONMENTS: readonly EnvironmentConfig[] = [dev, staging, prod];
