/**
 * Text functions with the exact semantics of the Java code behind API Gateway's `$util`:
 * `java.net.URLEncoder` (form encoding, UTF-8) and commons-lang `StringEscapeUtils.escapeJavaScript`.
 */

const FORM_SAFE = /^[A-Za-z0-9.\-*_]$/;
const NON_ASCII = /[\u0080-\uffff]/;

/** `URLEncoder.encode(text, "UTF-8")`: space becomes `+`; only `A-Za-z0-9.-*_` stay as they are. */
export function javaUrlEncode(text: string): string {
  let encoded = "";
  for (const character of text) {
    if (character === " ") encoded += "+";
    else if (FORM_SAFE.test(character)) encoded += character;
    else {
      // A lone surrogate has no UTF-8 form: Java writes it as "?", i.e. %3F.
      const bytes = isLoneSurrogate(character) ? Buffer.from("?") : Buffer.from(character, "utf8");
      for (const byte of bytes) encoded += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    }
  }
  return encoded;
}

/** `URLDecoder.decode(text, "UTF-8")`: `+` is a space; a malformed escape is an error, as in Java. */
export function javaUrlDecode(text: string): string {
  // ASCII input with well-formed UTF-8 escapes (every body API Gateway sends) decodes natively; anything
  // decodeURIComponent refuses takes the byte-wise path below, which matches Java on malformed input too.
  if (!NON_ASCII.test(text)) {
    try {
      return decodeURIComponent(text.replaceAll("+", " "));
    } catch {
      // malformed: decoded byte by byte below
    }
  }
  const bytes: number[] = [];
  for (let index = 0; index < text.length; index += 1) {
    const character = text[index] as string;
    if (character === "+") bytes.push(0x20);
    else if (character === "%") {
      const hex = text.slice(index + 1, index + 3);
      if (!/^[0-9A-Fa-f]{2}$/.test(hex))
        throw new Error(`URLDecoder: illegal hex characters in escape (%) pattern at ${index}`);
      bytes.push(Number.parseInt(hex, 16));
      index += 2;
    } else bytes.push(...Buffer.from(character, "utf8"));
  }
  return Buffer.from(bytes).toString("utf8");
}

/**
 * commons-lang 2 `escapeJavaScript`: quotes, backslash and `/` get a backslash, control characters their
 * short or `\u00XX` form, and every UTF-16 unit above 0x7F becomes `\uXXXX` (upper-case hex). The result
 * is ASCII. Note `'` becomes `\'`, which JSON does not accept: templates building JSON undo that one.
 */
export function escapeJavaScript(text: string): string {
  let escaped = "";
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    const character = text[index] as string;
    if (code > 0x7f) escaped += `\\u${code.toString(16).toUpperCase().padStart(4, "0")}`;
    else if (code < 0x20) {
      const short: Record<number, string> = { 8: "\\b", 9: "\\t", 10: "\\n", 12: "\\f", 13: "\\r" };
      escaped += short[code] ?? `\\u${code.toString(16).toUpperCase().padStart(4, "0")}`;
    } else if (character === "'" || character === '"' || character === "\\" || character === "/") {
      escaped += `\\${character}`;
    } else escaped += character;
  }
  return escaped;
}

/** Java's `String.replaceAll(regex, replacement)`; the replacement's `\x` escapes and `$n` groups as Java reads them. */
export function javaReplaceAll(text: string, regex: string, replacement: string): string {
  const pattern = new RegExp(regex, "gu");
  return text.replace(pattern, (...match: unknown[]) => {
    let output = "";
    for (let index = 0; index < replacement.length; index += 1) {
      const character = replacement[index] as string;
      if (character === "\\") {
        index += 1;
        output += replacement[index] ?? "";
      } else if (character === "$") {
        const digits = /^\d+/.exec(replacement.slice(index + 1))?.[0];
        if (!digits) throw new Error(`replaceAll: illegal group reference in "${replacement}"`);
        output += String(match[Number(digits)] ?? "");
        index += digits.length;
      } else output += character;
    }
    return output;
  });
}

/** Java's `String.matches(regex)`: the whole string must match. */
export function javaMatches(text: string, regex: string): boolean {
  return new RegExp(`^(?:${regex})$`, "u").test(text);
}

function isLoneSurrogate(character: string): boolean {
  const code = character.charCodeAt(0);
  return character.length === 1 && code >= 0xd800 && code <= 0xdfff;
}
