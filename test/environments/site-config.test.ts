import { dev } from "../../environments/dev.ts";
import { type EnvironmentConfig, validateConfig } from "../../environments/environment-config.ts";
import { prod } from "../../environments/prod.ts";

const withSite = (base: EnvironmentConfig, site: unknown): EnvironmentConfig =>
  ({ ...base, site }) as EnvironmentConfig;

describe("site settings", () => {
  it("accept a custom domain with CloudFront's certificate region and a hosted zone", () => {
    expect(() => validateConfig(prod)).not.toThrow();
    expect(() =>
      validateConfig(
        withSite(dev, {
          priceClass: "PriceClass_100",
          customDomain: { domainName: "dev.crud.example.com", certificateRegion: "us-east-1" },
        }),
      ),
    ).not.toThrow();
  });

  it("refuse a custom domain without CloudFront's certificate region, naming the field", () => {
    expect(() =>
      validateConfig(
        withSite(dev, { priceClass: "PriceClass_100", customDomain: { domainName: "dev.crud.example.com" } }),
      ),
    ).toThrow(
      /site\.customDomain\.certificateRegion: CloudFront only uses certificates from us-east-1, got "undefined"/,
    );
    expect(() =>
      validateConfig(
        withSite(dev, {
          priceClass: "PriceClass_100",
          customDomain: { domainName: "dev.crud.example.com", certificateRegion: "eu-west-1" },
        }),
      ),
    ).toThrow(/site\.customDomain\.certificateRegion: .* got "eu-west-1"/);
  });

  it("refuse a domain that is no DNS name, a hosted zone id that is none, and an unknown price class", () => {
    const error = (() => {
      try {
        validateConfig(
          withSite(dev, {
            priceClass: "PriceClass_Cheap",
            customDomain: {
              domainName: "https://App.example.com/",
              certificateRegion: "us-east-1",
              hostedZoneId: "zone-1",
            },
            waf: { requestsPerFiveMinutesPerIp: 5 },
          }),
        );
      } catch (thrown) {
        return String(thrown);
      }
      return "";
    })();
    expect(error).toMatch(
      /site\.priceClass: must be PriceClass_100, PriceClass_200 or PriceClass_All, got "PriceClass_Cheap"/,
    );
    expect(error).toMatch(
      /site\.customDomain\.domainName: "https:\/\/App\.example\.com\/" is not a lowercase DNS name/,
    );
    expect(error).toMatch(/site\.customDomain\.hostedZoneId: "zone-1" is not a Route 53 hosted zone id/);
    expect(error).toMatch(/site\.waf\.requestsPerFiveMinutesPerIp: must be an integer from 10 to/);
  });

  it("require a custom domain in a production environment", () => {
    expect(() => validateConfig(withSite(prod, { priceClass: "PriceClass_All" }))).toThrow(
      /site\.customDomain: required in a production environment/,
    );
  });

  it("require the site settings", () => {
    expect(() => validateConfig(withSite(dev, undefined))).toThrow(/site: is required/);
  });
});
