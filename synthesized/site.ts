import path from "node:path";
import { blocksOf, findByReference, resourcesOf, type StackJson } from "./stack-json.ts";

export interface SynthesizedSiteFile {
  readonly key: string;
  /** Absolute path of the file Terraform uploads. */
  readonly path: string;
  readonly contentType: string;
  readonly cacheControl: string;
}

export interface SynthesizedSite {
  /** Uploaded files by key (`index.html`, `app.3f9a1c2b7d.js`); `config.json` is generated, so not among them. */
  readonly files: ReadonlyMap<string, SynthesizedSiteFile>;
  readonly rootObject: string;
  /** The headers the distribution's response headers policy adds to every answer, as HTTP header lines. */
  readonly headers: Readonly<Record<string, string>>;
}

type Block = Record<string, unknown>;

/** A response headers policy's security headers as CloudFront writes them on the wire. */
export function securityHeaders(config: Block | undefined): Record<string, string> {
  const one = (name: string) => blocksOf<Block>(config?.[name])[0];
  const headers: Record<string, string> = {};
  const csp = one("content_security_policy");
  if (csp) headers["content-security-policy"] = String(csp.content_security_policy);
  const hsts = one("strict_transport_security");
  if (hsts)
    headers["strict-transport-security"] = [
      `max-age=${hsts.access_control_max_age_sec}`,
      ...(hsts.include_subdomains ? ["includeSubDomains"] : []),
      ...(hsts.preload ? ["preload"] : []),
    ].join("; ");
  if (one("content_type_options")) headers["x-content-type-options"] = "nosniff";
  const frame = one("frame_options");
  if (frame) headers["x-frame-options"] = String(frame.frame_option);
  const referrer = one("referrer_policy");
  if (referrer) headers["referrer-policy"] = String(referrer.referrer_policy);
  return headers;
}

/**
 * The stack's one site: its distribution's root object and response headers, and the files uploaded to its
 * bucket (paths resolved against `stackDir`, where the synthesized stack's assets are).
 */
export function readSite(stack: StackJson, stackDir: string): SynthesizedSite {
  const [distribution, ...others] = resourcesOf(stack, "aws_cloudfront_distribution");
  if (!distribution || others.length > 0)
    throw new Error(
      `Expected one CloudFront distribution in the stack, found ${others.length + (distribution ? 1 : 0)}`,
    );
  const [behavior] = blocksOf<Block>(distribution.values.default_cache_behavior);
  const policy = findByReference(stack, behavior?.response_headers_policy_id);
  if (!policy) throw new Error(`${distribution.address} has no response headers policy of this stack`);
  const files = new Map<string, SynthesizedSiteFile>();
  for (const object of resourcesOf(stack, "aws_s3_object")) {
    if (object.values.source === undefined) continue;
    const key = String(object.values.key);
    files.set(key, {
      key,
      path: path.join(stackDir, String(object.values.source)),
      contentType: String(object.values.content_type),
      cacheControl: String(object.values.cache_control),
    });
  }
  return {
    files,
    rootObject: String(distribution.values.default_root_object),
    headers: securityHeaders(blocksOf<Block>(policy.values.security_headers_config)[0]),
  };
}
