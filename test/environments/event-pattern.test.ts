import {
  compileEventPattern,
  EventPatternError,
  eventPatternProblems,
  matchesEventPattern,
} from "../../environments/event-pattern.ts";

/** The sample event of EventBridge's content-filtering page and of Event Ruler's README. */
const EC2_EVENT = {
  version: "0",
  id: "ddddd4-aaaa-7777-4444-345dd43cc333",
  "detail-type": "EC2 Instance State-change Notification",
  source: "aws.ec2",
  account: "012345679012",
  time: "2017-10-02T16:24:49Z",
  region: "us-east-1",
  resources: ["arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000"],
  detail: {
    "c-count": 5,
    "d-count": 3,
    "x-limit": 301.8,
    "source-ip": "10.0.0.33",
    "instance-id": "i-000000aaaaaa00000",
    state: "running",
  },
};

const withDetail = (detail: Record<string, unknown>) => ({ ...EC2_EVENT, detail });

describe("EventBridge event patterns, on the cases of EventBridge's documentation", () => {
  it.each([
    [
      "exact values, any of a field's list, intersecting an event array",
      {
        "detail-type": ["EC2 Instance State-change Notification"],
        resources: ["arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000"],
        detail: { state: ["initializing", "running"] },
      },
      true,
    ],
    ["a value the list lacks", { detail: { state: ["initializing", "stopped"] } }, false],
    ["prefix", { time: [{ prefix: "2017-10-02" }] }, true],
    ["prefix that does not start the value", { time: [{ prefix: "10-02" }] }, false],
    ["suffix", { source: [{ suffix: "ec2" }] }, true],
    ["prefix ignoring case", { source: [{ prefix: { "equals-ignore-case": "AWS." } }] }, true],
    ["suffix ignoring case", { source: [{ suffix: { "equals-ignore-case": "EC2" } }] }, true],
    ["equals-ignore-case", { source: [{ "equals-ignore-case": "AWS.EC2" }] }, true],
    ["wildcard", { "detail-type": [{ wildcard: "EC2*Notification" }] }, true],
    ["wildcard that must match the whole value", { "detail-type": [{ wildcard: "EC2*State" }] }, false],
    ["anything-but a string", { detail: { state: [{ "anything-but": "initializing" }] } }, true],
    ["anything-but the very value", { detail: { state: [{ "anything-but": "running" }] } }, false],
    ["anything-but a number", { detail: { "x-limit": [{ "anything-but": 123 }] } }, true],
    ["anything-but a list", { detail: { state: [{ "anything-but": ["stopped", "running"] }] } }, false],
    [
      "anything-but a list of numbers",
      { detail: { "c-count": [{ "anything-but": [100, 200, 300] }] } },
      true,
    ],
    ["anything-but a prefix", { detail: { state: [{ "anything-but": { prefix: "init" } }] } }, true],
    [
      "anything-but the matching prefix",
      { detail: { state: [{ "anything-but": { prefix: "run" } }] } },
      false,
    ],
    ["anything-but a suffix", { detail: { "instance-id": [{ "anything-but": { suffix: "000" } }] } }, false],
    [
      "anything-but ignoring case",
      { detail: { state: [{ "anything-but": { "equals-ignore-case": "RUNNING" } }] } },
      false,
    ],
    [
      "anything-but a wildcard",
      { detail: { "instance-id": [{ "anything-but": { wildcard: "i-*" } }] } },
      false,
    ],
    ["anything-but on a field the event lacks", { detail: { missing: [{ "anything-but": "x" }] } }, false],
    ["numeric range", { detail: { "c-count": [{ numeric: [">", 0, "<=", 5] }] } }, true],
    ["numeric upper bound", { detail: { "d-count": [{ numeric: ["<", 10] }] } }, true],
    ["numeric equality in another notation", { detail: { "x-limit": [{ numeric: ["=", 3.018e2] }] } }, true],
    ["numeric range the value leaves", { detail: { "c-count": [{ numeric: [">", 5, "<=", 10] }] } }, false],
    ["numeric on a string", { detail: { state: [{ numeric: [">", 0] }] } }, false],
    ["IP address in a CIDR block", { detail: { "source-ip": [{ cidr: "10.0.0.0/24" }] } }, true],
    ["IP address outside it", { detail: { "source-ip": [{ cidr: "10.0.1.0/24" }] } }, false],
    ["exists", { detail: { "c-count": [{ exists: true }] } }, true],
    ["exists on a missing field", { detail: { "e-count": [{ exists: true }] } }, false],
    ["does not exist", { detail: { "e-count": [{ exists: false }] } }, true],
    ["does not exist, for a field that does", { detail: { state: [{ exists: false }] } }, false],
    [
      "the complex example",
      {
        time: [{ prefix: "2017-10-02" }],
        detail: {
          state: [{ "anything-but": "initializing" }],
          "c-count": [{ numeric: [">", 0, "<=", 5] }],
          "d-count": [{ numeric: ["<", 10] }],
          "x-limit": [{ "anything-but": [100, 200, 300] }],
          "source-ip": [{ cidr: "10.0.0.0/8" }],
        },
      },
      true,
    ],
    [
      "$or across fields",
      {
        source: ["aws.ec2"],
        $or: [{ detail: { state: ["stopped"] } }, { detail: { "c-count": [{ numeric: [">", 4] }] } }],
      },
      true,
    ],
    [
      "$or where no branch matches",
      {
        $or: [{ detail: { state: ["stopped"] } }, { region: ["eu-west-1"] }],
      },
      false,
    ],
  ])("%s", (_, pattern, expected) => {
    expect(matchesEventPattern(pattern, EC2_EVENT)).toBe(expected);
  });

  it("treats a field holding an object as no leaf: exists false matches it, exists true does not", () => {
    const event = withDetail({ state: "running", "c-count": { c1: 100 } });
    expect(matchesEventPattern({ detail: { "c-count": [{ exists: false }] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { "c-count": [{ exists: true }] } }, event)).toBe(false);
  });

  it("matches an empty string and null only literally", () => {
    const event = withDetail({ lastName: "", middleName: null });
    expect(matchesEventPattern({ detail: { lastName: [""] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { middleName: [null] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { middleName: [""] } }, event)).toBe(false);
    expect(matchesEventPattern({ detail: { lastName: [null] } }, event)).toBe(false);
  });

  it("matches fields of an array of objects only within one element (array consistency)", () => {
    const event = {
      employees: [
        { firstName: "John", lastName: "Doe" },
        { firstName: "Anna", lastName: "Smith" },
        { firstName: "Peter", lastName: "Jones" },
      ],
    };
    expect(matchesEventPattern({ employees: { firstName: ["Anna"] } }, event)).toBe(true);
    expect(matchesEventPattern({ employees: { firstName: ["Anna"], lastName: ["Smith"] } }, event)).toBe(
      true,
    );
    expect(matchesEventPattern({ employees: { firstName: ["Anna"], lastName: ["Jones"] } }, event)).toBe(
      false,
    );
    const nested = { employees: [[{ firstName: "Anna" }], [{ firstName: "Peter" }]] };
    expect(matchesEventPattern({ employees: { firstName: ["Peter"] } }, nested)).toBe(true);
  });

  it("matches the nested fields of a missing parent only with exists false", () => {
    const event = { source: "event-crud.items" };
    expect(matchesEventPattern({ detail: { changes: { name: [{ exists: false }] } } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { changes: { name: [{ exists: true }] } } }, event)).toBe(false);
  });

  it("matches this service's own events as the webhook examples use them", () => {
    const updated = {
      source: "event-crud.items",
      "detail-type": "item.updated",
      detail: { version: 3, changes: { name: { before: "Lamp", after: "Desk lamp" } } },
    };
    expect(
      matchesEventPattern(
        {
          "detail-type": [{ prefix: "item." }],
          detail: { changes: { name: { after: [{ exists: true }] } } },
        },
        updated,
      ),
    ).toBe(true);
    expect(matchesEventPattern({ detail: { version: [{ numeric: [">=", 4] }] } }, updated)).toBe(false);
    expect(matchesEventPattern({ "detail-type": [{ "anything-but": ["item.deleted"] }] }, updated)).toBe(
      true,
    );
  });
});

describe("EventBridge event pattern validation", () => {
  it("accepts every pattern above", () => {
    expect(eventPatternProblems({ detail: { state: [{ "anything-but": { prefix: "init" } }] } })).toEqual([]);
  });

  it.each([
    [[], "pattern: must be a JSON object"],
    [{}, "pattern: must name at least one field"],
    [{ source: "aws.ec2" }, 'source: must be an array of values or a nested pattern, got "aws.ec2"'],
    [{ source: [] }, "source: must list at least one value"],
    [{ source: [{ prefix: 1 }] }, 'source[0].prefix: must be a string or {"equals-ignore-case": string}'],
    [{ source: [{ begins: "aws" }] }, 'source[0]: unknown operator "begins"'],
    [
      { source: [{ prefix: "a", suffix: "b" }] },
      "source[0]: must be a string, number, boolean, null or an object with one operator",
    ],
    [
      { n: [{ numeric: ["<", 10, ">", 0] }] },
      "n[0].numeric: must be one comparison, or a lower bound (>, >=) followed by an upper bound (<, <=)",
    ],
    [
      { n: [{ numeric: ["~", 10] }] },
      'n[0].numeric: must alternate operators (<, <=, =, >, >=) and numbers, got ["~",10]',
    ],
    [
      { s: [{ "anything-but": ["a", 1] }] },
      "s[0].anything-but: must be a string, a number, or a list of only strings or only numbers",
    ],
    [{ s: [{ wildcard: "a**b" }] }, "s[0].wildcard: consecutive wildcard characters are not allowed"],
    [{ s: [{ exists: "yes" }] }, "s[0]: exists: must be true or false"],
    [{ s: [{ exists: true }, "a"] }, "s: exists cannot be combined with other values for the same field"],
    [
      { ip: [{ cidr: "10.0.0.0/33" }] },
      'ip[0].cidr: must be an IPv4 or IPv6 network in CIDR notation, got "10.0.0.0/33"',
    ],
    [{ $or: [{ a: ["x"] }] }, "$or: must list at least two patterns"],
  ])("refuses %j: %s", (pattern, problem) => {
    expect(eventPatternProblems(pattern)).toEqual([problem]);
  });

  it("lists every problem of a pattern in one error", () => {
    expect(() => compileEventPattern({ a: "x", b: [{ nope: 1 }] })).toThrow(
      new EventPatternError([
        'a: must be an array of values or a nested pattern, got "x"',
        'b[0]: unknown operator "nope"',
      ]),
    );
  });

  it("refuses a pattern longer than PutRule accepts", () => {
    expect(eventPatternProblems({ source: ["x".repeat(5000)] })).toEqual([
      "the pattern is longer than 4096 characters",
    ]);
  });
});
