import { BlockList, isIPv4, isIPv6 } from "node:net";

/**
 * EventBridge's event pattern language: the checks PutRule makes (so a configured pattern fails at synth, not
 * halfway through an apply) and the matching the bus does (so the local runner routes exactly what AWS would).
 * Semantics follow EventBridge's content filtering and its open-source engine, Event Ruler: fields AND, values
 * of one field OR; a value array in the event matches if any element matches; arrays of objects are matched
 * element-wise, so two fields only match together when they sit in the same element; `exists` looks at leaves
 * only; numeric operators take JSON numbers only; `$or` takes two or more sub-patterns.
 */

export type PatternScalar = string | number | boolean | null;

/** One element of a field's value array: a literal, or a single-operator object such as `{"prefix": "us-"}`. */
export type PatternMatcher =
  | PatternScalar
  | { readonly prefix: string | { readonly "equals-ignore-case": string } }
  | { readonly suffix: string | { readonly "equals-ignore-case": string } }
  | { readonly "equals-ignore-case": string }
  | { readonly wildcard: string }
  | { readonly "anything-but": unknown }
  | { readonly numeric: readonly (string | number)[] }
  | { readonly exists: boolean }
  | { readonly cidr: string };

/** A pattern: each field maps to a nested pattern or to the values it may take; `$or` to sub-patterns. */
export interface EventPattern {
  readonly [field: string]: EventPattern | readonly PatternMatcher[] | readonly EventPattern[];
}

/** PutRule's limit on a pattern's length. */
export const EVENT_PATTERN_MAX_LENGTH = 4096;

export class EventPatternError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid event pattern: ${problems.join("; ")}`);
    this.name = "EventPatternError";
  }
}

type Leaf = (value: PatternScalar) => boolean;
type Compiled = (node: unknown) => boolean;

const NUMERIC_OPERATORS = new Set(["<", "<=", "=", ">", ">="]);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** Every problem of a pattern, each naming the field path and the rule it breaks. Empty when PutRule would accept it. */
export function eventPatternProblems(pattern: unknown): string[] {
  const problems: string[] = [];
  compileObject(pattern, "", problems);
  if (JSON.stringify(pattern ?? null).length > EVENT_PATTERN_MAX_LENGTH)
    problems.push(`the pattern is longer than ${EVENT_PATTERN_MAX_LENGTH} characters`);
  return problems;
}

/** A matcher for `pattern`, or an EventPatternError listing every problem. */
export function compileEventPattern(pattern: unknown): (event: unknown) => boolean {
  const problems: string[] = [];
  const compiled = compileObject(pattern, "", problems);
  if (problems.length > 0) throw new EventPatternError(problems);
  return compiled;
}

/** Whether `event` matches `pattern` (compiled on each call: for one-off checks and tests). */
export function matchesEventPattern(pattern: unknown, event: unknown): boolean {
  return compileEventPattern(pattern)(event);
}

function compileObject(pattern: unknown, path: string, problems: string[]): Compiled {
  if (!isObject(pattern)) {
    problems.push(`${path || "pattern"}: must be a JSON object`);
    return () => false;
  }
  const fields = Object.entries(pattern);
  if (fields.length === 0) problems.push(`${path || "pattern"}: must name at least one field`);
  const checks = fields.map(([field, value]): Compiled => {
    const at = path ? `${path}.${field}` : field;
    if (field === "$or" && Array.isArray(value) && value.every(isObject)) {
      if (value.length < 2) problems.push(`${at}: must list at least two patterns`);
      const alternatives = value.map((sub, index) => compileObject(sub, `${at}[${index}]`, problems));
      return (node) => alternatives.some((alternative) => alternative(node));
    }
    if (Array.isArray(value)) {
      const leaf = compileLeaf(value, at, problems);
      return (node) => leaf(isObject(node) ? node[field] : undefined);
    }
    if (isObject(value)) {
      const nested = compileObject(value, at, problems);
      return (node) => matchNested(nested, isObject(node) ? node[field] : undefined);
    }
    problems.push(`${at}: must be an array of values or a nested pattern, got ${JSON.stringify(value)}`);
    return () => false;
  });
  return (node) => checks.every((check) => check(node));
}

/** Objects inside arrays are matched one element at a time (Event Ruler's array consistency). */
function matchNested(nested: Compiled, value: unknown): boolean {
  if (Array.isArray(value)) {
    const elements = value.flat(Number.POSITIVE_INFINITY).filter(isObject);
    // Fields absent from every element still match `exists: false`.
    return elements.length === 0 ? nested({}) : elements.some((element) => nested(element));
  }
  return nested(isObject(value) ? value : {});
}

function compileLeaf(
  matchers: readonly unknown[],
  path: string,
  problems: string[],
): (value: unknown) => boolean {
  if (matchers.length === 0) problems.push(`${path}: must list at least one value`);
  let exists: boolean | undefined;
  const tests: Leaf[] = [];
  matchers.forEach((matcher, index) => {
    const at = `${path}[${index}]`;
    if (isObject(matcher) && Object.keys(matcher).length === 1 && "exists" in matcher) {
      if (typeof matcher.exists !== "boolean") problems.push(`${at}: exists: must be true or false`);
      else exists = matcher.exists;
      return;
    }
    tests.push(compileMatcher(matcher, at, problems));
  });
  if (exists !== undefined && tests.length > 0)
    problems.push(`${path}: exists cannot be combined with other values for the same field`);
  return (value) => {
    // A field holding an object is not a leaf: it has no values to match, and `exists` sees it as absent.
    const values = (Array.isArray(value) ? value.flat(Number.POSITIVE_INFINITY) : [value]).filter(
      (element): element is PatternScalar =>
        element !== undefined && !isObject(element) && !Array.isArray(element),
    );
    if (exists !== undefined) return exists === values.length > 0;
    return values.some((element) => tests.some((test) => test(element)));
  };
}

function compileMatcher(matcher: unknown, at: string, problems: string[]): Leaf {
  if (matcher === null || ["string", "number", "boolean"].includes(typeof matcher)) return exactly(matcher);
  if (!isObject(matcher) || Object.keys(matcher).length !== 1) {
    problems.push(`${at}: must be a string, number, boolean, null or an object with one operator`);
    return () => false;
  }
  const [operator, operand] = Object.entries(matcher)[0] as [string, unknown];
  switch (operator) {
    case "prefix":
    case "suffix":
      return affix(operator, operand, `${at}.${operator}`, problems);
    case "equals-ignore-case":
      if (typeof operand !== "string") problems.push(`${at}.equals-ignore-case: must be a string`);
      return (value) => typeof value === "string" && value.toLowerCase() === String(operand).toLowerCase();
    case "wildcard":
      return wildcard(operand, `${at}.wildcard`, problems);
    case "anything-but":
      return anythingBut(operand, `${at}.anything-but`, problems);
    case "numeric":
      return numeric(operand, `${at}.numeric`, problems);
    case "cidr":
      return cidr(operand, `${at}.cidr`, problems);
    default:
      problems.push(`${at}: unknown operator "${operator}"`);
      return () => false;
  }
}

function exactly(expected: unknown): Leaf {
  return (value) => value === expected;
}

function affix(operator: "prefix" | "suffix", operand: unknown, at: string, problems: string[]): Leaf {
  const ignoreCase =
    isObject(operand) && Object.keys(operand).length === 1 && "equals-ignore-case" in operand;
  const text = ignoreCase ? (operand as Record<string, unknown>)["equals-ignore-case"] : operand;
  if (typeof text !== "string") {
    problems.push(`${at}: must be a string or {"equals-ignore-case": string}`);
    return () => false;
  }
  const wanted = ignoreCase ? text.toLowerCase() : text;
  return (value) => {
    if (typeof value !== "string") return false;
    const candidate = ignoreCase ? value.toLowerCase() : value;
    return operator === "prefix" ? candidate.startsWith(wanted) : candidate.endsWith(wanted);
  };
}

function wildcard(operand: unknown, at: string, problems: string[]): Leaf {
  if (typeof operand !== "string") {
    problems.push(`${at}: must be a string`);
    return () => false;
  }
  let source = "";
  let previousWasStar = false;
  for (let index = 0; index < operand.length; index += 1) {
    const character = operand[index] as string;
    if (character === "\\") {
      const next = operand[index + 1];
      if (next !== "*" && next !== "\\") {
        problems.push(`${at}: a backslash may only escape "*" or "\\"`);
        return () => false;
      }
      source += `\\${next}`;
      index += 1;
      previousWasStar = false;
    } else if (character === "*") {
      if (previousWasStar) {
        problems.push(`${at}: consecutive wildcard characters are not allowed`);
        return () => false;
      }
      source += "[\\s\\S]*";
      previousWasStar = true;
    } else {
      source += character.replace(/[.+?^${}()|[\]]/g, "\\$&");
      previousWasStar = false;
    }
  }
  const expression = new RegExp(`^${source}$`);
  return (value) => typeof value === "string" && expression.test(value);
}

function anythingBut(operand: unknown, at: string, problems: string[]): Leaf {
  if (isObject(operand)) {
    const keys = Object.keys(operand);
    const [operator] = keys;
    if (
      keys.length !== 1 ||
      !["prefix", "suffix", "equals-ignore-case", "wildcard"].includes(String(operator))
    ) {
      problems.push(`${at}: takes a value, a list, or one of prefix, suffix, equals-ignore-case, wildcard`);
      return () => false;
    }
    const inner = operand[operator as string];
    const excluded = (Array.isArray(inner) ? inner : [inner]).map((each) =>
      compileMatcher({ [operator as string]: each }, at, problems),
    );
    // Anything-but operators apply to strings only, like the operators they negate.
    return (value) => typeof value === "string" && !excluded.some((test) => test(value));
  }
  const values: readonly unknown[] = Array.isArray(operand) ? (operand as unknown[]) : [operand];
  const allStrings = values.every((value) => typeof value === "string");
  const allNumbers = values.every((value) => typeof value === "number");
  if (values.length === 0 || !(allStrings || allNumbers)) {
    problems.push(`${at}: must be a string, a number, or a list of only strings or only numbers`);
    return () => false;
  }
  return (value) => !values.some((excluded) => excluded === value);
}

function numeric(operand: unknown, at: string, problems: string[]): Leaf {
  const terms = Array.isArray(operand) ? operand : [];
  const bounds: Array<[string, number]> = [];
  for (let index = 0; index < terms.length; index += 2) {
    const [operator, bound] = [terms[index], terms[index + 1]];
    if (!NUMERIC_OPERATORS.has(String(operator)) || typeof bound !== "number" || !Number.isFinite(bound)) {
      problems.push(
        `${at}: must alternate operators (<, <=, =, >, >=) and numbers, got ${JSON.stringify(operand)}`,
      );
      return () => false;
    }
    bounds.push([String(operator), bound]);
  }
  const lower = bounds[0]?.[0].startsWith(">");
  const shapeOk =
    bounds.length === 1 || (bounds.length === 2 && lower === true && String(bounds[1]?.[0]).startsWith("<"));
  if (!shapeOk) {
    problems.push(
      `${at}: must be one comparison, or a lower bound (>, >=) followed by an upper bound (<, <=)`,
    );
    return () => false;
  }
  return (value) =>
    typeof value === "number" &&
    bounds.every(([operator, bound]) => {
      switch (operator) {
        case "<":
          return value < bound;
        case "<=":
          return value <= bound;
        case "=":
          return value === bound;
        case ">":
          return value > bound;
        default:
          return value >= bound;
      }
    });
}

function cidr(operand: unknown, at: string, problems: string[]): Leaf {
  const [network, prefixText] = typeof operand === "string" ? operand.split("/") : [];
  const prefix = Number(prefixText);
  const family = isIPv4(String(network)) ? "ipv4" : isIPv6(String(network)) ? "ipv6" : undefined;
  const maxPrefix = family === "ipv4" ? 32 : 128;
  if (!family || !Number.isInteger(prefix) || prefix < 0 || prefix > maxPrefix) {
    problems.push(`${at}: must be an IPv4 or IPv6 network in CIDR notation, got ${JSON.stringify(operand)}`);
    return () => false;
  }
  const blocks = new BlockList();
  blocks.addSubnet(String(network), prefix, family);
  return (value) => {
    if (typeof value !== "string") return false;
    const type = isIPv4(value) ? "ipv4" : isIPv6(value) ? "ipv6" : undefined;
    return type === family && blocks.check(value, type);
  };
}
