import { parseSendMessage } from "../../local/sqs/query-request.ts";
import { renderMappingTemplate, TemplateError } from "../../local/vtl/engine.ts";
import { escapeJavaScript, javaUrlDecode, javaUrlEncode } from "../../local/vtl/java-text.ts";

describe("Java text semantics", () => {
  // Produced by java.net.URLEncoder.encode(input, "UTF-8") on OpenJDK 17.
  it.each([
    ["a b", "a+b"],
    ["&=+%", "%26%3D%2B%25"],
    ["x*y.z-_~", "x*y.z-_%7E"],
    ["'!()", "%27%21%28%29"],
    ["é€😀", "%C3%A9%E2%82%AC%F0%9F%98%80"],
    ["line\nbreak\ttab", "line%0Abreak%09tab"],
    ["#set($x)", "%23set%28%24x%29"],
    ['\\"/', "%5C%22%2F"],
    ["ünïcødé ✓", "%C3%BCn%C3%AFc%C3%B8d%C3%A9+%E2%9C%93"],
  ])("urlEncode(%j) is Java's %s, and decodes back", (input, java) => {
    expect(javaUrlEncode(input)).toBe(java);
    expect(javaUrlDecode(java)).toBe(input);
  });

  it("refuses a malformed escape when decoding, as Java does", () => {
    expect(() => javaUrlDecode("100%")).toThrow(/illegal hex characters/);
    expect(() => javaUrlDecode("%zz")).toThrow(/illegal hex characters/);
  });

  it("replaces malformed UTF-8 with U+FFFD instead of failing, as Java's UTF-8 decoder does", () => {
    expect(javaUrlDecode("a%C0%AFb")).toBe("a\uFFFD\uFFFDb");
    expect(javaUrlDecode("%ED%A0%80+x")).toBe("\uFFFD\uFFFD\uFFFD x");
    expect(javaUrlDecode("é%41+")).toBe("éA ");
  });

  // commons-lang 2 StringEscapeUtils.escapeJavaScript; the first pair is its documented example.
  it.each([
    [`He didn't say, "Stop!"`, `He didn\\'t say, \\"Stop!\\"`],
    ["a/b\\c", "a\\/b\\\\c"],
    ["é😀", "\\u00E9\\uD83D\\uDE00"],
    ["\n\r\t\b\f\u0001\u001f", "\\n\\r\\t\\b\\f\\u0001\\u001F"],
  ])("escapeJavaScript(%j) is %s", (input, escaped) => {
    expect(escapeJavaScript(input)).toBe(escaped);
  });
});

describe("renderMappingTemplate", () => {
  const request = {
    body: '{"name":"Lamp","tags":["a","b"],"nested":{"deep":true}}',
    path: { id: "42" },
    querystring: { limit: "5" },
    header: { "X-Trace": "t-1" },
    context: { requestId: "r-1", requestTimeEpoch: 1700000000000 },
  };

  it("gives $input.body, json, path and params API Gateway's meaning", () => {
    const template =
      "$input.body|$input.json('$.nested')|$input.json('$.tags[1]')|$input.path('$.name')|" +
      "$input.params('id')|$input.params('limit')|$input.params('x-trace')|[$input.params('missing')]|$input.params().querystring.limit";
    expect(renderMappingTemplate(template, request).output).toBe(
      `${request.body}|{"deep":true}|"b"|Lamp|42|5|t-1|[]|5`,
    );
  });

  it("makes JSON of a string by escaping it and undoing the single-quote escape", () => {
    const template = `"$util.escapeJavaScript($input.path('$.value')).replaceAll("\\\\'","'")"`;
    const value = `it's "quoted" \\ /slashed/ é\nnext`;
    const { output } = renderMappingTemplate(template, { body: JSON.stringify({ value }) });
    expect(JSON.parse(output)).toBe(value);
  });

  it("applies Java's String.matches to the whole value", () => {
    const template = "#if($input.params('id').matches('[0-9]+'))digits#{else}other#end";
    expect(renderMappingTemplate(template, { path: { id: "123" } }).output).toBe("digits");
    expect(renderMappingTemplate(template, { path: { id: "123x" } }).output).toBe("other");
  });

  it("exposes $context and reports responseOverride", () => {
    const rendered = renderMappingTemplate(
      '#set($context.responseOverride.status = 404)#set($context.responseOverride.header.Retry-After = "5")$context.requestId',
      request,
    );
    expect(rendered).toEqual({ output: "r-1", statusOverride: 404, headerOverrides: { "Retry-After": "5" } });
  });

  it("round-trips base64 and parses JSON", () => {
    const template =
      "$util.base64Decode($util.base64Encode('héllo'))|$util.parseJson('{\"a\":{\"b\":7}}').a.b";
    expect(renderMappingTemplate(template, {}).output).toBe("héllo|7");
  });

  it("fails like API Gateway when $input.json meets a body that is not JSON", () => {
    expect(() => renderMappingTemplate("$input.json('$')", { body: "{oops" })).toThrow(TemplateError);
  });
});

describe("parseSendMessage", () => {
  it("reads a SendMessage with its attributes", () => {
    const parsed = parseSendMessage(
      "Action=SendMessage&MessageBody=%7B%22a%22%3A1%7D&MessageAttribute.1.Name=operation&MessageAttribute.1.Value.DataType=String&MessageAttribute.1.Value.StringValue=create",
    );
    expect(parsed.messageBody).toBe('{"a":1}');
    expect(parsed.messageAttributes).toEqual({ operation: { dataType: "String", stringValue: "create" } });
  });

  it("refuses what SQS refuses: a repeated field, another action, no body", () => {
    expect(() => parseSendMessage("Action=SendMessage&MessageBody=a&MessageBody=b")).toThrow(
      /MessageBody is given twice/,
    );
    expect(() => parseSendMessage("Action=DeleteQueue&MessageBody=a")).toThrow(/InvalidAction/);
    expect(() => parseSendMessage("Action=SendMessage")).toThrow(/MissingParameter/);
  });
});
