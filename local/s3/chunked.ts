import { Transform, type TransformCallback } from "node:stream";
import { S3Error } from "./errors.ts";

/**
 * Decodes `Content-Encoding: aws-chunked`, the framing SDKs use to stream a body of unknown checksum: chunks of
 * `<hex size>[;chunk-signature=...]\r\n<bytes>\r\n`, a zero-size chunk, then trailers (`x-amz-checksum-crc32:...`)
 * and an empty line. The trailers are kept for the checksum check. The decoder holds at most one chunk header.
 */
export class AwsChunkedDecoder extends Transform {
  readonly trailers: Record<string, string> = {};
  private pending = Buffer.alloc(0);
  private remaining = 0;
  private state: "header" | "data" | "data-end" | "trailers" | "done" = "header";

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.consume(chunk);
      callback();
    } catch (error) {
      callback(error as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    if (this.state !== "done" && !(this.state === "trailers" && this.pending.length === 0))
      callback(new S3Error("IncompleteBody"));
    else callback();
  }

  private consume(input: Buffer): void {
    let buffer = this.pending.length > 0 ? Buffer.concat([this.pending, input]) : input;
    this.pending = Buffer.alloc(0);
    while (buffer.length > 0) {
      if (this.state === "data") {
        const take = Math.min(this.remaining, buffer.length);
        this.push(buffer.subarray(0, take));
        this.remaining -= take;
        buffer = buffer.subarray(take);
        if (this.remaining === 0) this.state = "data-end";
        continue;
      }
      const lineEnd = buffer.indexOf("\r\n");
      if (lineEnd < 0) {
        if (buffer.length > 4096) throw new S3Error("InvalidRequest", "Malformed aws-chunked encoding");
        this.pending = Buffer.from(buffer);
        return;
      }
      const line = buffer.subarray(0, lineEnd).toString("latin1");
      buffer = buffer.subarray(lineEnd + 2);
      if (this.state === "data-end") {
        if (line !== "") throw new S3Error("InvalidRequest", "Malformed aws-chunked encoding");
        this.state = "header";
      } else if (this.state === "header") {
        const size = Number.parseInt(line.split(";")[0] ?? "", 16);
        if (!Number.isInteger(size) || size < 0)
          throw new S3Error("InvalidRequest", "Malformed aws-chunked encoding");
        if (size === 0) this.state = "trailers";
        else [this.state, this.remaining] = ["data", size];
      } else if (this.state === "trailers") {
        if (line === "") this.state = "done";
        else {
          const colon = line.indexOf(":");
          this.trailers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
      } else throw new S3Error("InvalidRequest", "Data after the end of an aws-chunked body");
    }
  }
}
