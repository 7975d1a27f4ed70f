import { S3Client } from "@aws-sdk/client-s3";

/**
 * S3 for the handlers. Path-style requests when an endpoint is set (`AWS_ENDPOINT_URL_S3`, the local runner's S3
 * on 127.0.0.1, where virtual-hosted bucket names cannot resolve); AWS's own endpoints use virtual-hosted style.
 * No request timeout: a GetObject body of 100 MB streams for longer than any one API call takes.
 */
export const s3Client = new S3Client({
  forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3),
  // A checksum is computed only where S3 requires one: the SDK's default would sign a presigned PUT with the
  // checksum of its empty body, and S3 would refuse the upload's real bytes with BadDigest.
  requestChecksumCalculation: "WHEN_REQUIRED",
  requestHandler: { connectionTimeout: 1_000 },
});
