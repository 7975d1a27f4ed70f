import path from "node:path";
import { AcmCertificate } from "@cdktf/provider-aws/lib/acm-certificate";
import { AcmCertificateValidation } from "@cdktf/provider-aws/lib/acm-certificate-validation";
import { CloudfrontCachePolicy } from "@cdktf/provider-aws/lib/cloudfront-cache-policy";
import { CloudfrontDistribution } from "@cdktf/provider-aws/lib/cloudfront-distribution";
import { CloudfrontOriginAccessControl } from "@cdktf/provider-aws/lib/cloudfront-origin-access-control";
import { CloudfrontResponseHeadersPolicy } from "@cdktf/provider-aws/lib/cloudfront-response-headers-policy";
import { CloudwatchLogDelivery } from "@cdktf/provider-aws/lib/cloudwatch-log-delivery";
import { CloudwatchLogDeliveryDestination } from "@cdktf/provider-aws/lib/cloudwatch-log-delivery-destination";
import { CloudwatchLogDeliverySource } from "@cdktf/provider-aws/lib/cloudwatch-log-delivery-source";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import type { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { Route53Record } from "@cdktf/provider-aws/lib/route53-record";
import { S3Object } from "@cdktf/provider-aws/lib/s3-object";
import { AssetType, Fn, TerraformAsset } from "cdktf";
import { Construct } from "constructs";
import { REVALIDATE_CACHE_CONTROL, SITE_CONFIG, SITE_INDEX, type SiteBuild } from "../site-build.ts";
import { PrivateBucket } from "./private-bucket.ts";

/** Two years: what the HSTS preload list asks for. */
export const HSTS_MAX_AGE_SECONDS = 63_072_000;
/** CloudFront's strictest policy that browsers of the last years all meet. */
export const SITE_MINIMUM_TLS = "TLSv1.2_2021";

export interface StaticSiteProps {
  /** Name of the distribution's policies and logs, e.g. `crud-dev-site`. */
  readonly name: string;
  /** The site bucket's (globally unique) name. */
  readonly bucketName: string;
  /** The built site (`buildSite`): fingerprinted files uploaded as they are. */
  readonly build: SiteBuild;
  /** `config.json`'s fields: public values only (URLs, ids); the browser reads every one of them. */
  readonly clientConfig: Readonly<Record<string, unknown>>;
  /** Origins the page may connect to besides its own (the API, the WebSocket, the user pool). */
  readonly connectOrigins: readonly string[];
  readonly priceClass: string;
  /** The provider of CloudFront's own region (us-east-1): certificates, its web ACL, its log delivery. */
  readonly edgeProvider: AwsProvider;
  /** Where access logs go: a log group in the edge region, encrypted with this key of that region. */
  readonly accessLogs: { readonly kmsKeyArn: string; readonly retentionDays: number };
  /** A domain of the environment's own. @default the distribution's `*.cloudfront.net` name */
  readonly customDomain?: { readonly domainName: string; readonly hostedZoneId?: string };
  /** ARN of a CLOUDFRONT-scope web ACL. @default none */
  readonly webAclArn?: string;
}

/**
 * The web app: a private bucket (SSE-S3, which CloudFront's origin access control reads without a key grant),
 * read only by this distribution through origin access control (SigV4, every request signed); HTTP/2 and 3,
 * compression, HTTPS only, a response headers policy with a strict CSP and HSTS, access logs delivered to
 * CloudWatch Logs, and every file uploaded by Terraform with its content type and cache policy.
 */
export class StaticSite extends Construct {
  readonly bucket: PrivateBucket;
  readonly distribution: CloudfrontDistribution;
  readonly headersPolicy: CloudfrontResponseHeadersPolicy;
  /** `https://<domain>`: the custom domain when there is one, else the distribution's. */
  readonly origin: string;

  constructor(scope: Construct, id: string, props: StaticSiteProps) {
    super(scope, id);
    this.bucket = new PrivateBucket(this, "bucket", {
      bucketName: props.bucketName,
      s3ManagedEncryption: true,
      // Files replaced by a deploy are kept a week, for a rollback by hand; every deploy uploads them anew.
      noncurrentVersionDays: 7,
    });
    const accessControl = new CloudfrontOriginAccessControl(this, "origin-access-control", {
      name: props.name,
      originAccessControlOriginType: "s3",
      signingBehavior: "always",
      signingProtocol: "sigv4",
    });
    this.headersPolicy = this.responseHeaders(props);
    const certificateArn = props.customDomain ? this.certificate(props) : undefined;
    this.distribution = this.createDistribution(props, accessControl.id, certificateArn);
    this.origin = `https://${props.customDomain?.domainName ?? this.distribution.domainName}`;
    this.bucket.addStatements({
      Sid: "ReadByThisDistributionOnly",
      Effect: "Allow",
      Principal: { Service: "cloudfront.amazonaws.com" },
      Action: "s3:GetObject",
      Resource: this.bucket.objectsArn(),
      Condition: { StringEquals: { "aws:SourceArn": this.distribution.arn } },
    });
    this.accessLogs(props);
    if (props.customDomain?.hostedZoneId)
      this.aliasRecords(props.customDomain.hostedZoneId, props.customDomain.domainName);
    this.upload(props);
  }

  /** A strict CSP, HSTS for two years (subdomains, preload), nosniff, no framing, and a referrer kept to the origin. */
  private responseHeaders(props: StaticSiteProps): CloudfrontResponseHeadersPolicy {
    return new CloudfrontResponseHeadersPolicy(this, "headers", {
      name: props.name,
      securityHeadersConfig: {
        contentSecurityPolicy: {
          contentSecurityPolicy: contentSecurityPolicy(props.connectOrigins),
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAgeSec: HSTS_MAX_AGE_SECONDS,
          includeSubdomains: true,
          preload: true,
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: "DENY", override: true },
        referrerPolicy: { referrerPolicy: "strict-origin-when-cross-origin", override: true },
      },
    });
  }

  private createDistribution(
    props: StaticSiteProps,
    accessControlId: string,
    certificateArn: string | undefined,
  ): CloudfrontDistribution {
    return new CloudfrontDistribution(this, "distribution", {
      comment: props.name,
      enabled: true,
      isIpv6Enabled: true,
      httpVersion: "http2and3",
      defaultRootObject: SITE_INDEX,
      priceClass: props.priceClass,
      aliases: props.customDomain ? [props.customDomain.domainName] : undefined,
      webAclId: props.webAclArn,
      origin: [
        {
          originId: "site-bucket",
          domainName: this.bucket.bucket.bucketRegionalDomainName,
          originAccessControlId: accessControlId,
        },
      ],
      defaultCacheBehavior: {
        targetOriginId: "site-bucket",
        allowedMethods: ["GET", "HEAD"],
        cachedMethods: ["GET", "HEAD"],
        viewerProtocolPolicy: "redirect-to-https",
        compress: true,
        cachePolicyId: this.cachePolicy(props.name).id,
        responseHeadersPolicyId: this.headersPolicy.id,
      },
      restrictions: { geoRestriction: { restrictionType: "none" } },
      // The default *.cloudfront.net certificate is served with CloudFront's TLSv1 policy whatever is asked for.
      viewerCertificate: certificateArn
        ? {
            acmCertificateArn: certificateArn,
            sslSupportMethod: "sni-only",
            minimumProtocolVersion: SITE_MINIMUM_TLS,
          }
        : { cloudfrontDefaultCertificate: true, minimumProtocolVersion: "TLSv1" },
    });
  }

  /** Caches by path only; the origin's Cache-Control decides how long (immutable assets a year, the page never). */
  private cachePolicy(name: string): CloudfrontCachePolicy {
    return new CloudfrontCachePolicy(this, "cache-policy", {
      name,
      minTtl: 0,
      defaultTtl: 86_400,
      maxTtl: 31_536_000,
      parametersInCacheKeyAndForwardedToOrigin: {
        cookiesConfig: { cookieBehavior: "none" },
        headersConfig: { headerBehavior: "none" },
        queryStringsConfig: { queryStringBehavior: "none" },
        enableAcceptEncodingGzip: true,
        enableAcceptEncodingBrotli: true,
      },
    });
  }

  /** An ACM certificate in CloudFront's region, validated by DNS in the hosted zone when one is given. */
  private certificate(props: StaticSiteProps): string {
    const domain = props.customDomain as NonNullable<StaticSiteProps["customDomain"]>;
    const certificate = new AcmCertificate(this, "certificate", {
      provider: props.edgeProvider,
      domainName: domain.domainName,
      validationMethod: "DNS",
      lifecycle: { createBeforeDestroy: true },
    });
    if (!domain.hostedZoneId) return certificate.arn;
    const option = Fn.element(Fn.tolist(certificate.domainValidationOptions), 0);
    const record = new Route53Record(this, "certificate-validation-record", {
      zoneId: domain.hostedZoneId,
      name: Fn.lookup(option, "resource_record_name", ""),
      type: Fn.lookup(option, "resource_record_type", ""),
      records: [Fn.lookup(option, "resource_record_value", "")],
      ttl: 300,
      allowOverwrite: true,
    });
    return new AcmCertificateValidation(this, "certificate-validation", {
      provider: props.edgeProvider,
      certificateArn: certificate.arn,
      validationRecordFqdns: [record.fqdn],
    }).certificateArn;
  }

  private aliasRecords(zoneId: string, name: string): void {
    for (const type of ["A", "AAAA"]) {
      new Route53Record(this, `alias-${type.toLowerCase()}`, {
        zoneId,
        name,
        type,
        alias: {
          name: this.distribution.domainName,
          zoneId: this.distribution.hostedZoneId,
          evaluateTargetHealth: false,
        },
      });
    }
  }

  /** CloudFront's standard logs (v2): delivered by CloudWatch Logs, from and to CloudFront's region. */
  private accessLogs(props: StaticSiteProps): void {
    const provider = props.edgeProvider;
    const group = new CloudwatchLogGroup(this, "access-logs", {
      provider,
      name: `/aws/vendedlogs/cloudfront/${props.name}`,
      retentionInDays: props.accessLogs.retentionDays,
      kmsKeyId: props.accessLogs.kmsKeyArn,
    });
    const source = new CloudwatchLogDeliverySource(this, "access-log-source", {
      provider,
      name: `${props.name}-access`,
      logType: "ACCESS_LOGS",
      resourceArn: this.distribution.arn,
    });
    const destination = new CloudwatchLogDeliveryDestination(this, "access-log-destination", {
      provider,
      name: `${props.name}-access`,
      outputFormat: "json",
      deliveryDestinationConfiguration: [{ destinationResourceArn: group.arn }],
    });
    new CloudwatchLogDelivery(this, "access-log-delivery", {
      provider,
      deliverySourceName: source.name,
      deliveryDestinationArn: destination.arn,
    });
  }

  /**
   * One object per file, addressed by its source name, from an asset of its own (whose path follows its content):
   * a changed file changes its own object and no other.
   */
  private upload(props: StaticSiteProps): void {
    for (const file of props.build.files) {
      const asset = new TerraformAsset(this, `asset-${file.source}`, {
        path: path.join(props.build.directory, file.key),
        type: AssetType.FILE,
      });
      new S3Object(this, `file-${file.source}`, {
        bucket: this.bucket.bucketId,
        key: file.key,
        source: asset.path,
        sourceHash: file.md5,
        contentType: file.contentType,
        cacheControl: file.cacheControl,
      });
    }
    new S3Object(this, `file-${SITE_CONFIG}`, {
      bucket: this.bucket.bucketId,
      key: SITE_CONFIG,
      content: Fn.jsonencode(props.clientConfig),
      contentType: "application/json",
      cacheControl: REVALIDATE_CACHE_CONTROL,
    });
  }
}

/**
 * The page's CSP: its own scripts, styles and images only (no inline script or style, no eval), connections
 * only to itself and `connectOrigins`, no frames, plugins or base-URL changes, and no framing of the page.
 */
export function contentSecurityPolicy(connectOrigins: readonly string[]): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self'",
    `connect-src 'self' ${connectOrigins.join(" ")}`,
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join("; ");
}
