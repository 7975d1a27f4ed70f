import "vitest";

interface CdktfMatchers<R = unknown> {
  toHaveResource(resourceType: { tfResourceType: string }): R;
  toHaveResourceWithProperties(
    resourceType: { tfResourceType: string },
    properties: Record<string, unknown>,
  ): R;
  toHaveDataSource(dataSourceType: { tfResourceType: string }): R;
  toHaveDataSourceWithProperties(
    dataSourceType: { tfResourceType: string },
    properties: Record<string, unknown>,
  ): R;
  toHaveProvider(providerType: { tfResourceType: string }): R;
  toHaveProviderWithProperties(
    providerType: { tfResourceType: string },
    properties: Record<string, unknown>,
  ): R;
}

declare module "vitest" {
  interface Assertion<T> extends CdktfMatchers<T> {}
  interface AsymmetricMatchersContaining extends CdktfMatchers {}
}
