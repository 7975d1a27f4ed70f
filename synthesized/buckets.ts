import { resourcesOf, type StackJson, type StackResource } from "./stack-json.ts";

/**
 * The configuration resources attached to a bucket (`aws_s3_bucket_policy`, `..._versioning`, ...), which name it
 * by `${aws_s3_bucket.<id>.id}` or `.bucket`: in provider 4 and later a bucket's settings are resources of their own.
 */
export function attachedToBucket(stack: StackJson, type: string, bucket: StackResource): StackResource[] {
  const names = new Set([
    `\${${bucket.address}.id}`,
    `\${${bucket.address}.bucket}`,
    String(bucket.values.bucket),
  ]);
  return resourcesOf(stack, type).filter((resource) => names.has(String(resource.values.bucket)));
}

/** Every bucket of the stack, each with the one configuration resource of `type` attached to it (if any). */
export function bucketsWith(
  stack: StackJson,
  type: string,
): Array<{ bucket: StackResource; attached: StackResource | undefined }> {
  return resourcesOf(stack, "aws_s3_bucket").map((bucket) => ({
    bucket,
    attached: attachedToBucket(stack, type, bucket)[0],
  }));
}
