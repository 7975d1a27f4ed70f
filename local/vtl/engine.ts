import { Compile, parse } from "velocityjs";
import { escapeJavaScript, javaMatches, javaReplaceAll, javaUrlDecode, javaUrlEncode } from "./java-text.ts";
import { evaluateJsonPath } from "./json-path.ts";

/** The method request as API Gateway exposes it to mapping templates. */
export interface TemplateRequest {
  /** Raw body: the method request's for request templates, the integration response's for response templates. */
  readonly body?: string;
  readonly path?: Readonly<Record<string, string>>;
  readonly querystring?: Readonly<Record<string, string>>;
  readonly header?: Readonly<Record<string, string>>;
  /** `$context` values (requestId, requestTimeEpoch, httpMethod, identity.sourceIp, ...). */
  readonly context?: Readonly<Record<string, unknown>>;
  readonly stageVariables?: Readonly<Record<string, string>>;
}

export interface RenderedTemplate {
  readonly output: string;
  /** `$context.responseOverride.status`, when the template set it. */
  readonly statusOverride?: number;
  readonly headerOverrides: Readonly<Record<string, string>>;
}

/** Raised where API Gateway itself would fail the template (bad JSON for `$input.json`, ...). */
export class TemplateError extends Error {
  override readonly name = "TemplateError";
}

/**
 * Renders an API Gateway mapping template with API Gateway's semantics: `$input` (`body`, `json`, `path`,
 * `params`), `$util` (`escapeJavaScript`, `urlEncode`/`urlDecode` as Java's form codec, `parseJson`,
 * `base64Encode`/`base64Decode`), `$context` with `responseOverride`, and Java String and Map methods on
 * values (`matches`, `replaceAll`, `length()`, `get`, `size()`, ...), since API Gateway runs Velocity on Java.
 */
export function renderMappingTemplate(template: string, request: TemplateRequest): RenderedTemplate {
  const responseOverride = { status: undefined as unknown, header: {} as Record<string, string> };
  const context = {
    ...request.context,
    responseOverride,
    requestOverride: { header: {}, querystring: {}, path: {} },
  };
  const params = {
    path: { ...request.path },
    querystring: { ...request.querystring },
    header: { ...request.header },
  };
  let parsedBody: { value: unknown } | undefined;
  const bodyJson = () => {
    if (parsedBody) return parsedBody.value;
    const text = request.body ?? "";
    try {
      parsedBody = { value: text.trim() === "" ? {} : JSON.parse(text) };
    } catch {
      throw new TemplateError("$input: the body is not valid JSON");
    }
    return parsedBody.value;
  };
  const input = {
    body: request.body ?? "",
    json: (path: string) => {
      const value = evaluateJsonPath(bodyJson(), path);
      return value === undefined ? "" : JSON.stringify(value);
    },
    path: (path: string) => evaluateJsonPath(bodyJson(), path),
    params: (name?: string) => {
      if (name === undefined) return params;
      return params.path[name] ?? params.querystring[name] ?? findHeader(params.header, name) ?? "";
    },
  };
  const util = {
    escapeJavaScript: (text: unknown) => escapeJavaScript(stringOf(text)),
    urlEncode: (text: unknown) => javaUrlEncode(stringOf(text)),
    urlDecode: (text: unknown) => javaUrlDecode(stringOf(text)),
    base64Encode: (text: unknown) => Buffer.from(stringOf(text), "utf8").toString("base64"),
    base64Decode: (text: unknown) => Buffer.from(stringOf(text), "base64").toString("utf8"),
    parseJson: (text: unknown) => {
      try {
        return JSON.parse(stringOf(text));
      } catch {
        throw new TemplateError("$util.parseJson: not valid JSON");
      }
    },
  };
  const compiled = new Compile(parsed(template), { customMethodHandlers: JAVA_METHODS });
  const output = compiled.render({ input, util, context, stageVariables: { ...request.stageVariables } });
  const status = responseOverride.status;
  return {
    output,
    statusOverride: status === undefined || status === "" ? undefined : Number(status),
    headerOverrides: responseOverride.header,
  };
}

// Parsing dominates rendering and a service has a fixed set of templates: parse each once.
const parsedTemplates = new Map<string, ReturnType<typeof parse>>();
function parsed(template: string): ReturnType<typeof parse> {
  let asts = parsedTemplates.get(template);
  if (!asts) {
    asts = parse(template);
    parsedTemplates.set(template, asts);
  }
  return asts;
}

function stringOf(value: unknown): string {
  if (value === undefined || value === null) return "";
  return typeof value === "string" ? value : JSON.stringify(value);
}

function findHeader(headers: Record<string, string>, name: string): string | undefined {
  const key = Object.keys(headers).find((candidate) => candidate.toLowerCase() === name.toLowerCase());
  return key === undefined ? undefined : headers[key];
}

type MethodCall = { property: string; context: unknown; params: unknown[] };

const STRING_METHODS: Record<string, (text: string, params: unknown[]) => unknown> = {
  matches: (text, [regex]) => javaMatches(text, String(regex)),
  replaceAll: (text, [regex, replacement]) => javaReplaceAll(text, String(regex), String(replacement)),
  replace: (text, [target, replacement]) => text.split(String(target)).join(String(replacement)),
  length: (text) => text.length,
  isEmpty: (text) => text.length === 0,
  equals: (text, [other]) => text === other,
  contains: (text, [part]) => text.includes(String(part)),
  toLowerCase: (text) => text.toLowerCase(),
  toUpperCase: (text) => text.toUpperCase(),
  trim: (text) => text.trim(),
};

const LIST_METHODS: Record<string, (list: unknown[], params: unknown[]) => unknown> = {
  size: (list) => list.length,
  isEmpty: (list) => list.length === 0,
  contains: (list, [value]) => list.includes(value),
  get: (list, [index]) => list[Number(index)],
};

const MAP_METHODS: Record<string, (map: Record<string, unknown>, params: unknown[]) => unknown> = {
  get: (map, [key]) => map[String(key)],
  containsKey: (map, [key]) => Object.hasOwn(map, String(key)),
  keySet: (map) => Object.keys(map),
  size: (map) => Object.keys(map).length,
  isEmpty: (map) => Object.keys(map).length === 0,
};

const JAVA_METHODS = [
  {
    uid: "java-string",
    match: ({ property, context }: MethodCall) =>
      typeof context === "string" && Object.hasOwn(STRING_METHODS, property),
    resolve: ({ property, context, params }: MethodCall) =>
      STRING_METHODS[property]?.(context as string, params),
  },
  {
    uid: "java-list",
    match: ({ property, context }: MethodCall) =>
      Array.isArray(context) && Object.hasOwn(LIST_METHODS, property),
    resolve: ({ property, context, params }: MethodCall) =>
      LIST_METHODS[property]?.(context as unknown[], params),
  },
  {
    uid: "java-map",
    match: ({ property, context }: MethodCall) =>
      typeof context === "object" &&
      context !== null &&
      !Array.isArray(context) &&
      Object.hasOwn(MAP_METHODS, property) &&
      typeof (context as Record<string, unknown>)[property] !== "function",
    resolve: ({ property, context, params }: MethodCall) =>
      MAP_METHODS[property]?.(context as Record<string, unknown>, params),
  },
];
