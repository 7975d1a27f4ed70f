import type * as z from "zod/mini";
import { createPayloadSchema, describeIssues } from "../lib/contracts.ts";
import type { ImportFormat } from "./layout.ts";

export type CreatePayload = z.infer<typeof createPayloadSchema>;

/**
 * Longest row (in characters) the importer reads. A valid row is far shorter (a name of 200 characters and a
 * description of 2000, even with every character escaped in JSON); the bound keeps a file without line breaks
 * from being read into memory whole.
 */
export const MAX_ROW_CHARS = 64 * 1024;
/**
 * Lines one CSV record may span (line breaks inside quoted fields). A record is parsed again as each line joins
 * it, so this bounds the work an unclosed quote can cause: without it, a quote followed by 64 KB of line breaks
 * took seconds, and a file of them the importer's whole timeout.
 */
export const MAX_RECORD_LINES = 100;

/** One row of a file: its payload for a create command, or why it was refused. `line` is where it starts. */
export type Row =
  | { readonly line: number; readonly payload: CreatePayload }
  | { readonly line: number; readonly problem: string };

/** A problem with the file as a whole: the import stops there (rows before it stand). */
export class ImportFileError extends Error {
  override readonly name = "ImportFileError";
}

export const CSV_COLUMNS = ["name", "description"] as const;

/**
 * Lines of UTF-8 text from a stream of bytes, each with its line number, without holding more than one line (of
 * at most `MAX_ROW_CHARS` bytes; a longer one is reported as such, its rest skipped). Lines are cut at the byte
 * `\n`, which UTF-8 never uses inside a character, and each is decoded on its own: bytes that are not UTF-8 stop
 * the file at their line, after the lines before it. A byte-order mark is dropped; `\r\n` ends a line like `\n`.
 */
export async function* linesOf(
  source: AsyncIterable<Uint8Array>,
): AsyncGenerator<{ line: number; text: string; tooLong: boolean }> {
  const decoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let tooLong = false;
  let line = 1;
  let offset = 0;
  let lineStart = 0;
  const emit = () => {
    const bytes = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending);
    let text = "";
    if (!tooLong) {
      try {
        // Drops a byte-order mark, which editors put before the first line.
        text = decoder.decode(bytes);
      } catch {
        throw new ImportFileError(
          `the file is not UTF-8 text: an invalid byte sequence in line ${line}, which starts at byte ${lineStart}`,
        );
      }
    }
    const result = { line, text: text.endsWith("\r") ? text.slice(0, -1) : text, tooLong };
    line += 1;
    tooLong = false;
    pending = [];
    pendingBytes = 0;
    lineStart = offset;
    return result;
  };
  const keep = (piece: Buffer) => {
    if (tooLong) return;
    if (pendingBytes + piece.length > MAX_ROW_CHARS) {
      tooLong = true;
      pending = [];
      pendingBytes = 0;
      return;
    }
    pending.push(piece);
    pendingBytes += piece.length;
  };
  for await (const chunk of source) {
    const buffer = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let start = 0;
    for (let end = buffer.indexOf(0x0a); end >= 0; end = buffer.indexOf(0x0a, start)) {
      keep(buffer.subarray(start, end));
      offset += end - start + 1;
      yield emit();
      start = end + 1;
    }
    // A copy: the stream may reuse its chunk's memory once the next one is read.
    if (start < buffer.length) keep(Buffer.from(buffer.subarray(start)));
    offset += buffer.length - start;
  }
  if (pendingBytes > 0 || tooLong) yield emit();
}

/** The rows of a file, checked with the API's own schema: each a create payload or a reason. */
export function rowsOf(source: AsyncIterable<Uint8Array>, format: ImportFormat): AsyncGenerator<Row> {
  return format === "jsonl" ? jsonLines(source) : csvRows(source);
}

function checked(line: number, value: unknown): Row {
  const parsed = createPayloadSchema.safeParse(value);
  return parsed.success ? { line, payload: parsed.data } : { line, problem: describeIssues(parsed.error) };
}

const tooLongProblem = `the row is longer than ${MAX_ROW_CHARS} characters`;

async function* jsonLines(source: AsyncIterable<Uint8Array>): AsyncGenerator<Row> {
  for await (const { line, text, tooLong } of linesOf(source)) {
    if (tooLong) {
      yield { line, problem: tooLongProblem };
      continue;
    }
    if (text.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      yield { line, problem: `not JSON: ${(error as Error).message}` };
      continue;
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      yield { line, problem: "must be a JSON object with name and, optionally, description" };
      continue;
    }
    yield checked(line, value);
  }
}

/**
 * One CSV record (RFC 4180): fields separated by commas, a field in double quotes may hold commas, line breaks
 * and `""` for a quote. Returns the fields, or undefined while a quoted field is still open at the end of `text`;
 * throws on a quote where none may be.
 */
export function parseCsvRecord(text: string): string[] | undefined {
  const fields: string[] = [];
  let field = "";
  let quoted = false;
  let index = 0;
  let fieldStart = true;
  while (index < text.length) {
    const character = text[index] as string;
    if (quoted) {
      if (character !== '"') field += character;
      else if (text[index + 1] === '"') {
        field += '"';
        index += 1;
      } else {
        quoted = false;
        const next = text[index + 1];
        if (next !== undefined && next !== ",")
          throw new Error(
            `a quoted field must end at a comma or the end of the row (character ${index + 2})`,
          );
      }
    } else if (character === ",") {
      fields.push(field);
      field = "";
      fieldStart = true;
      index += 1;
      continue;
    } else if (character === '"') {
      if (!fieldStart || field !== "")
        throw new Error(`a quote inside an unquoted field (character ${index + 1}); quote the whole field`);
      quoted = true;
    } else field += character;
    fieldStart = false;
    index += 1;
  }
  if (quoted) return undefined;
  fields.push(field);
  return fields;
}

async function* csvRows(source: AsyncIterable<Uint8Array>): AsyncGenerator<Row> {
  let columns: string[] | undefined;
  let record: { line: number; text: string; lines: number } | undefined;
  for await (const { line, text, tooLong } of linesOf(source)) {
    if (tooLong) {
      if (!columns)
        throw new ImportFileError(`the header (line ${line}) is longer than ${MAX_ROW_CHARS} characters`);
      record = undefined;
      yield { line, problem: tooLongProblem };
      continue;
    }
    const current = record
      ? { line: record.line, text: `${record.text}\n${text}`, lines: record.lines + 1 }
      : { line, text, lines: 1 };
    if (current.text.length > MAX_ROW_CHARS) {
      record = undefined;
      yield { line: current.line, problem: tooLongProblem };
      continue;
    }
    if (current.lines > MAX_RECORD_LINES) {
      record = undefined;
      yield {
        line: current.line,
        problem: `a quoted field spans more than ${MAX_RECORD_LINES} lines: is a closing quote missing?`,
      };
      continue;
    }
    if (!record && text.trim() === "") continue;
    let fields: string[] | undefined;
    try {
      fields = parseCsvRecord(current.text);
    } catch (error) {
      if (!columns) throw new ImportFileError(`header (line ${current.line}): ${(error as Error).message}`);
      record = undefined;
      yield { line: current.line, problem: `not CSV: ${(error as Error).message}` };
      continue;
    }
    if (!fields) {
      record = current;
      continue;
    }
    record = undefined;
    if (!columns) {
      columns = headerOf(fields, current.line);
      continue;
    }
    yield csvRow(current.line, fields, columns);
  }
  if (record) yield { line: record.line, problem: "a quoted field is not closed before the end of the file" };
  if (!columns)
    throw new ImportFileError("the file is empty: a CSV import starts with a header line (name,description)");
}

function headerOf(fields: string[], line: number): string[] {
  const columns = fields.map((field) => field.trim());
  const unknown = columns.filter((column) => !(CSV_COLUMNS as readonly string[]).includes(column));
  if (!columns.includes("name"))
    throw new ImportFileError(
      `header (line ${line}): the first line must name the columns, and one must be "name" (columns: ${CSV_COLUMNS.join(", ")})`,
    );
  if (unknown.length > 0)
    throw new ImportFileError(
      `header (line ${line}): unknown column${unknown.length > 1 ? "s" : ""} ${unknown.map((column) => `"${column}"`).join(", ")} (columns: ${CSV_COLUMNS.join(", ")})`,
    );
  if (new Set(columns).size !== columns.length)
    throw new ImportFileError(`header (line ${line}): a column is named twice`);
  return columns;
}

function csvRow(line: number, fields: string[], columns: string[]): Row {
  if (fields.length !== columns.length)
    return { line, problem: `the row has ${fields.length} fields, the header ${columns.length}` };
  const value: Record<string, string> = {};
  columns.forEach((column, index) => {
    const field = fields[index] as string;
    // An empty optional field is an absent one; an empty name stays, for the schema to refuse.
    if (field !== "" || column === "name") value[column] = field;
  });
  return checked(line, value);
}
