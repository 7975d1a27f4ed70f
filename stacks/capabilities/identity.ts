import type { Construct } from "constructs";
import type { EnvironmentConfig } from "../../environments/environment-config.ts";
import { RESOURCE_SERVER, SCOPES } from "../../handlers/catalogue.ts";
import { UserDirectory } from "../constructs/user-directory.ts";

/** The environment's users, from its typed identity settings: who may sign in, and with which clients. */
export function addIdentity(scope: Construct, config: EnvironmentConfig): UserDirectory {
  const { identity } = config;
  return new UserDirectory(scope, "identity", {
    poolName: `${config.namePrefix}-users`,
    resourceServer: {
      identifier: RESOURCE_SERVER,
      scopes: Object.values(SCOPES).map((scope) => scope.slice(RESOURCE_SERVER.length + 1)),
    },
    ...identity,
    machineClientScopes: identity.machineClient?.scopes,
  });
}
