/** The errors the local S3 answers, with S3's codes, statuses and wording (S3 API reference, "Error responses"). */
const WIRE = {
  AccessDenied: { status: 403, message: "Access Denied" },
  AuthorizationQueryParametersError: { status: 400, message: "Error parsing the X-Amz-Credential parameter" },
  BadDigest: {
    status: 400,
    message: "The Content-MD5 or checksum value that you specified did not match what the server received.",
  },
  EntityTooLarge: { status: 400, message: "Your proposed upload exceeds the maximum allowed size" },
  EntityTooSmall: { status: 400, message: "Your proposed upload is smaller than the minimum allowed size" },
  IncompleteBody: {
    status: 400,
    message: "You did not provide the number of bytes specified by the Content-Length HTTP header.",
  },
  InternalError: { status: 500, message: "We encountered an internal error. Please try again." },
  InvalidArgument: { status: 400, message: "Invalid Argument" },
  InvalidPart: { status: 400, message: "One or more of the specified parts could not be found." },
  InvalidPartOrder: { status: 400, message: "The list of parts was not in ascending order." },
  InvalidRange: { status: 416, message: "The requested range is not satisfiable" },
  InvalidRequest: { status: 400, message: "Invalid Request" },
  MalformedXML: {
    status: 400,
    message: "The XML you provided was not well-formed or did not validate against our published schema.",
  },
  MethodNotAllowed: { status: 405, message: "The specified method is not allowed against this resource." },
  MissingContentLength: { status: 411, message: "You must provide the Content-Length HTTP header." },
  NoSuchBucket: { status: 404, message: "The specified bucket does not exist" },
  NoSuchKey: { status: 404, message: "The specified key does not exist." },
  NoSuchUpload: {
    status: 404,
    message:
      "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.",
  },
  NoSuchVersion: { status: 404, message: "The specified version does not exist." },
  NotImplemented: {
    status: 501,
    message: "A header you provided implies functionality that is not implemented.",
  },
  PreconditionFailed: {
    status: 412,
    message: "At least one of the pre-conditions you specified did not hold",
  },
  SignatureDoesNotMatch: {
    status: 403,
    message:
      "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
  },
  SlowDown: { status: 503, message: "Please reduce your request rate." },
} as const;

export type S3ErrorCode = keyof typeof WIRE;

/** A request S3 refuses, with the details its error document names (`Key`, `BucketName`, `Condition`...). */
export class S3Error extends Error {
  readonly status: number;

  constructor(
    readonly code: S3ErrorCode,
    message: string = WIRE[code].message,
    readonly details: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = code;
    this.status = WIRE[code].status;
  }
}

export function escapeXml(value: string): string {
  return value.replace(/[<>&'"]/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** S3's error document. */
export function errorXml(error: S3Error, requestId: string): string {
  const details = Object.entries(error.details)
    .map(([name, value]) => `<${name}>${escapeXml(value)}</${name}>`)
    .join("");
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${error.code}</Code><Message>${escapeXml(error.message)}</Message>${details}<RequestId>${requestId}</RequestId><HostId>local</HostId></Error>`;
}
