import type { Operation } from "../handlers/catalogue.ts";
import { LIST_LIMIT_DEFAULT, LIST_LIMIT_MAX } from "../handlers/lib/limits.ts";

/**
 * The REST API's mapping templates, built from named parts so each route's template is reviewable and
 * testable by rendering it (test/api). Rules every template here follows:
 *
 * - Every client-supplied value reaches SQS through `$util.urlEncode`, and reaches JSON through
 *   `$util.escapeJavaScript` with its `\'` undone (JSON has no such escape). So no input can add or change a
 *   form field, a message attribute, the action or the queue, nor break out of a JSON string.
 * - Form templates are one line: a stray newline would become part of a field name.
 * - Parameter rules request validators cannot express (a UUID path id, a numeric range) are checked here.
 *   A request that breaks one is sent to SQS without a `MessageBody`, which SQS refuses (nothing is queued),
 *   and the 4xx response template names the problem.
 */

export const UUID_PATTERN = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

/** A request id as `REQUEST_ID_OF_CALL` makes it (the handlers' contract holds the same bounds). */
export const REQUEST_ID_PATTERN = "[A-Za-z0-9_-]{8,64}";

/**
 * VTL setting `$apiRequestId`, the id of this API call: API Gateway's `$context.extendedRequestId`, which no
 * caller can set or override (unlike `$context.requestId`, which an `X-Amzn-RequestId` header replaces), made
 * URL-safe (it is base64, and a request id travels in paths and query strings). It is both the request id the
 * client correlates outcomes with and the command's id, from which a created item's id derives: redelivery and
 * DLQ redrive carry the same envelope, so they land on the same item.
 */
export const REQUEST_ID_OF_CALL =
  '#set($apiRequestId = $context.extendedRequestId.replace("+", "-").replace("/", "_").replace("=", ""))';

/** A path or query-string parameter and the rule it must meet. */
export interface ParameterRule {
  readonly location: "path" | "querystring";
  readonly name: string;
  readonly required: boolean;
  /** A Java regex the whole value must match; no quotes or backslashes (it sits in a VTL string). */
  readonly pattern: string;
  /** The client-facing reason, `field: why`. */
  readonly problem: string;
}

export const ITEM_ID_RULE: ParameterRule = {
  location: "path",
  name: "id",
  required: true,
  pattern: UUID_PATTERN,
  problem: "id: must be a UUID",
};
export const REQUEST_ID_RULE: ParameterRule = {
  location: "path",
  name: "requestId",
  required: true,
  pattern: REQUEST_ID_PATTERN,
  problem: "requestId: must be the requestId of a 202 answer",
};
export const LIST_LIMIT_RULE: ParameterRule = {
  location: "querystring",
  name: "limit",
  required: false,
  // 1..100 as a regex: VTL cannot parse numbers. A test pins it to LIST_LIMIT_MAX.
  pattern: "[1-9][0-9]?|100",
  problem: `limit: must be an integer from 1 to ${LIST_LIMIT_MAX}`,
};
export const LAST_KEY_RULE: ParameterRule = {
  location: "querystring",
  name: "lastKey",
  required: false,
  pattern: "[A-Za-z0-9_-]{1,1024}",
  problem: "lastKey: must be the lastKey of a previous list",
};

/** One REST route that becomes a command on a queue. */
export interface CommandRoute {
  readonly operation: Operation;
  /** Text of the 202 answer's `message`. */
  readonly acceptedMessage: string;
  /** Whether the command carries the `{id}` path parameter. */
  readonly itemId: boolean;
  /** Whether the command carries the (validated) JSON body as `payload`. */
  readonly payload: boolean;
  /** Whether the command carries `limit` and `lastKey` as `query`. */
  readonly query: boolean;
}

/** The rules a route's parameters must meet, in the order problems are reported. */
export function routeRules(route: CommandRoute): ParameterRule[] {
  return [...(route.itemId ? [ITEM_ID_RULE] : []), ...(route.query ? [LIST_LIMIT_RULE, LAST_KEY_RULE] : [])];
}

/** VTL: a client string as the content of a JSON string literal. */
function jsonStringContent(expression: string): string {
  return `$util.escapeJavaScript(${expression}).replaceAll("\\\\'","'")`;
}

/** VTL: a literal for `$util.urlEncode('...')`; VTL single-quoted strings cannot hold a quote. */
function encodedLiteral(text: string): string {
  if (text.includes("'")) throw new Error(`A template literal cannot contain a single quote: ${text}`);
  return `$util.urlEncode('${text}')`;
}

function variableOf(rule: ParameterRule): string {
  return `$${rule.name}`;
}

/**
 * VTL that reads each rule's parameter into a variable (exactly from its location, so a header of the
 * same name cannot stand in) and sets `$problem` to the first broken rule's reason, or "".
 */
export function ruleChecks(rules: readonly ParameterRule[]): string {
  let vtl = '#set($problem = "")';
  for (const rule of rules) {
    const variable = variableOf(rule);
    // Interpolating into a string turns a missing parameter into "", so the variable is always a string.
    vtl += `#set(${variable} = "$!input.params().${rule.location}.get('${rule.name}')")`;
    const broken = rule.required
      ? `!${variable}.matches('${rule.pattern}')`
      : `${variable} != "" && !${variable}.matches('${rule.pattern}')`;
    if (rule.problem.includes('"'))
      throw new Error(`A rule's problem cannot contain a double quote: ${rule.problem}`);
    vtl += `#if($problem == "" && ${broken})#set($problem = "${rule.problem}")#end`;
  }
  return vtl;
}

/** The command envelope of the architecture page, URL-encoded piece by piece (encoding concatenates). */
function commandEnvelope(route: CommandRoute): string {
  const parts = [
    encodedLiteral('{"requestId":"'),
    `$util.urlEncode(${jsonStringContent("$apiRequestId")})`,
    // The caller's identity comes from the verified token's claims, never from anything the client sends.
    encodedLiteral('","owner":"'),
    `$util.urlEncode(${jsonStringContent("$context.authorizer.claims.sub")})`,
    encodedLiteral(`","operation":"${route.operation}","id":`),
  ];
  if (route.itemId) {
    parts.push(encodedLiteral('"'), `$util.urlEncode(${jsonStringContent("$id")})`, encodedLiteral('"'));
  } else parts.push("null");
  parts.push(encodedLiteral(',"payload":'), route.payload ? "$util.urlEncode($input.json('$'))" : "null");
  parts.push(encodedLiteral(',"query":'));
  if (route.query) {
    parts.push(
      encodedLiteral('{"limit":'),
      `#if($limit == "")${LIST_LIMIT_DEFAULT}#{else}$limit#end`,
      `#if($lastKey != "")${encodedLiteral(',"lastKey":"')}$util.urlEncode(${jsonStringContent("$lastKey")})${encodedLiteral('"')}#end`,
      encodedLiteral("}"),
    );
  } else parts.push("null");
  parts.push(encodedLiteral(',"requestedAt":'), "$context.requestTimeEpoch", encodedLiteral("}"));
  return parts.join("");
}

/** Request template of a command route: an SQS `SendMessage` form with the envelope and triage attributes. */
export function sendCommandTemplate(route: CommandRoute): string {
  const attributes = [
    `MessageAttribute.1.Name=operation&MessageAttribute.1.Value.DataType=String&MessageAttribute.1.Value.StringValue=${route.operation}`,
    "MessageAttribute.2.Name=requestId&MessageAttribute.2.Value.DataType=String&MessageAttribute.2.Value.StringValue=$util.urlEncode($apiRequestId)",
  ].join("&");
  return (
    REQUEST_ID_OF_CALL +
    ruleChecks(routeRules(route)) +
    `#if($problem == "")Action=SendMessage&MessageBody=${commandEnvelope(route)}&${attributes}` +
    "#{else}Action=SendMessage#end"
  );
}

/** `${aws_x.y.attribute}` as synthesized, or a cdktf token standing for one until synthesis. */
const TERRAFORM_REFERENCE = /\$\{(?:TfToken\[TOKEN\.\d+\]|[a-z0-9_]+\.[\w-]+\.[a-z_]+)\}/g;

/** VTL that echoes the request's Origin in CORS headers when it is one of `origins`. */
export function corsHeaders(origins: readonly string[]): string {
  for (const origin of origins) {
    // A Terraform reference (the distribution's own name) is resolved by Terraform, before API Gateway sees it.
    if (/["'\\$#]/.test(origin.replace(TERRAFORM_REFERENCE, "")))
      throw new Error(`An origin cannot contain quotes, $ or #: ${origin}`);
  }
  const list = origins.map((origin) => `"${origin}"`).join(",");
  return (
    `#set($allowedOrigins = [${list}])` +
    "#set($origin = $input.params().header.get('Origin'))" +
    `#if("$!origin" == "")#set($origin = $input.params().header.get('origin'))#end` +
    `#if($allowedOrigins.contains("*"))#set($context.responseOverride.header.Access-Control-Allow-Origin = "*")` +
    `#elseif($allowedOrigins.contains("$!origin"))#set($context.responseOverride.header.Access-Control-Allow-Origin = "$origin")#end` +
    '#set($context.responseOverride.header.Vary = "Origin")'
  );
}

/** 202 answer of a command route. */
export function acceptedTemplate(route: CommandRoute, origins: readonly string[]): string {
  return `${corsHeaders(origins)}${REQUEST_ID_OF_CALL}{"message":"${route.acceptedMessage}","requestId":"${jsonStringContent("$apiRequestId")}"}`;
}

const INTERNAL_ERROR_BODY = `${REQUEST_ID_OF_CALL}{"error":"internal error","requestId":"${jsonStringContent("$apiRequestId")}"}`;

/**
 * Answer to a 4xx from the integration: a broken parameter rule becomes 400 naming it; anything else is
 * this service's own fault, answered as a 500 that does not leak the integration's message.
 */
export function rejectedTemplate(rules: readonly ParameterRule[], origins: readonly string[]): string {
  return (
    corsHeaders(origins) +
    ruleChecks(rules) +
    `#if($problem != "")#set($context.responseOverride.status = 400){"error":"$problem"}` +
    `#{else}#set($context.responseOverride.status = 500)${INTERNAL_ERROR_BODY}#end`
  );
}

/** Answer to a 5xx from the integration: no internals, just the request id to quote. */
export function internalErrorTemplate(origins: readonly string[]): string {
  return corsHeaders(origins) + INTERNAL_ERROR_BODY;
}

/**
 * Request template of `GET /requests/{requestId}`: a consistent DynamoDB `GetItem` of the outcome and its
 * owner (`owner` is a DynamoDB reserved word, hence the placeholder).
 */
export function getOutcomeTemplate(tableName: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(tableName)) throw new Error(`Unexpected table name: ${tableName}`);
  return (
    `#set($requestId = "$!input.params().path.get('requestId')")` +
    `{"TableName":"${tableName}","Key":{"requestId":{"S":"${jsonStringContent("$requestId")}"}},` +
    `"ConsistentRead":true,"ProjectionExpression":"outcome, #owner","ExpressionAttributeNames":{"#owner":"owner"}}`
  );
}

/**
 * Answer of `GET /requests/{requestId}`: the stored outcome frame to the user who made the request; 404 while
 * there is none and, the same 404, to anyone else (another user learns nothing, not even that it exists);
 * 400 for an id no request can have.
 */
export function outcomeResponseTemplate(origins: readonly string[]): string {
  return (
    corsHeaders(origins) +
    ruleChecks([REQUEST_ID_RULE]) +
    `#set($outcome = $input.path('$.Item.outcome.S'))` +
    `#set($owner = $input.path('$.Item.owner.S'))` +
    `#if($problem != "")#set($context.responseOverride.status = 400){"error":"$problem"}` +
    `#elseif("$!outcome" == "" || "$!owner" == "" || "$!owner" != "$!context.authorizer.claims.sub")#set($context.responseOverride.status = 404)` +
    `{"error":"no outcome for this request yet: it is pending, unknown or expired","requestId":"${jsonStringContent("$requestId")}"}` +
    "#{else}$outcome#end"
  );
}

/** Answer of every `OPTIONS` (CORS preflight); the allowed methods and headers are static response headers. */
export function preflightTemplate(origins: readonly string[]): string {
  return corsHeaders(origins);
}
