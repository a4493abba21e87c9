/**
 * Event-pattern cases shared by the matcher's unit tests and the TestEventPattern integration test.
 * Most come from the examples in AWS's EventBridge documentation: "Event patterns", "Comparison
 * operators for use in event patterns", "Content filtering in Amazon EventBridge event patterns",
 * "Arrays in Amazon EventBridge event patterns", "Matching null values and empty strings"; a few
 * from the README of aws/event-ruler (the engine behind EventBridge) and from the Amazon SNS filter
 * policy pages, which document the same engine where the EventBridge pages are silent.
 *
 * Each row is [what, pattern, event, matches]. Every event is a complete EventBridge envelope (id,
 * account, source, time, region, detail-type), so each row can also go through TestEventPattern.
 */
export type PatternCase = [
  what: string,
  pattern: Record<string, unknown>,
  event: Record<string, unknown>,
  matches: boolean,
];

/** The EC2 state-change event from the "Event patterns" page. */
export const ec2 = {
  version: "0",
  id: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
  "detail-type": "EC2 Instance State-change Notification",
  source: "aws.ec2",
  account: "111122223333",
  time: "2017-12-22T18:43:48Z",
  region: "us-west-1",
  resources: ["arn:aws:ec2:us-west-1:123456789012:instance/i-1234567890abcdef0"],
  detail: { "instance-id": "i-1234567890abcdef0", state: "terminated" },
};

/** The EC2 event with another `detail`. */
export const withDetail = (detail: unknown) => ({ ...ec2, detail });

/** The Auto Scaling event from "Matching null values and empty strings". */
const autoscaling = {
  version: "0",
  id: "3e3c153a-8339-4e30-8c35-687ebef853fe",
  "detail-type": "EC2 Instance Launch Successful",
  source: "aws.autoscaling",
  account: "123456789012",
  time: "2015-11-11T21:31:47Z",
  region: "us-east-1",
  resources: [],
  detail: { eventVersion: "", responseElements: null },
};

/** The detail of the "Complex example" in "Content filtering" (and the event-ruler README). */
const counts = { "c-count": 5, "d-count": 3, "x-limit": 301.8, "source-ip": "10.0.0.33", state: "running" };

const employees = [
  { firstName: "John", lastName: "Doe" },
  { firstName: "Anna", lastName: "Smith" },
  { firstName: "Peter", lastName: "Jones" },
];

export const PATTERN_CASES: Record<string, PatternCase[]> = {
  "exact values": [
    [
      "the EC2 termination pattern from the docs",
      {
        source: ["aws.ec2"],
        "detail-type": ["EC2 Instance State-change Notification"],
        detail: { state: ["terminated"] },
      },
      ec2,
      true,
    ],
    ["another source", { source: ["aws.s3"] }, ec2, false],
    ["another detail.state", { detail: { state: ["running"] } }, ec2, false],
    ["matching is case-sensitive", { detail: { state: ["Terminated"] } }, ec2, false],
    ["a field the event lacks", { detail: { colour: ["blue"] } }, ec2, false],
    ["account and region are matched like any field", { account: ["111122223333"], region: ["us-west-1"] }, ec2, true],
    ["another region", { region: ["us-east-1"] }, ec2, false],
    ["numbers compare as numbers (3.018e2 = 301.8)", { detail: { "x-limit": [3.018e2] } }, withDetail(counts), true],
    ["a number does not match its string", { detail: { count: [300] } }, withDetail({ count: "300" }), false],
    ["a string does not match the number", { detail: { count: ["300"] } }, withDetail({ count: 300 }), false],
    ["true matches true", { detail: { flag: [true] } }, withDetail({ flag: true }), true],
    ["true does not match false", { detail: { flag: [true] } }, withDetail({ flag: false }), false],
    ["true does not match the string 'true'", { detail: { flag: [true] } }, withDetail({ flag: "true" }), false],
    [
      "the Macie example: severity score 1 and count 2",
      { source: ["aws.macie"], detail: { severity: { score: [1] }, count: [2] } },
      { ...withDetail({ severity: { score: 1, description: "Low" }, count: 2 }), source: "aws.macie" },
      true,
    ],
    [
      "the Macie example with another count",
      { source: ["aws.macie"], detail: { severity: { score: [1] }, count: [2] } },
      { ...withDetail({ severity: { score: 1, description: "Low" }, count: 3 }), source: "aws.macie" },
      false,
    ],
    ["a value matcher never matches an object (not a leaf)", { detail: ["terminated"] }, ec2, false],
  ],

  "null and empty values": [
    ["[null] matches a JSON null (docs example)", { detail: { responseElements: [null] } }, autoscaling, true],
    ['[""] matches an empty string (docs example)', { detail: { eventVersion: [""] } }, autoscaling, true],
    ["[null] does not match a missing field", { detail: { userId: [null] } }, autoscaling, false],
    [
      '[""] does not match null: they are not interchangeable',
      { detail: { responseElements: [""] } },
      autoscaling,
      false,
    ],
    ['[null] does not match ""', { detail: { eventVersion: [null] } }, autoscaling, false],
    ["[null] does not match the string 'null'", { detail: { v: [null] } }, withDetail({ v: "null" }), false],
    ['[""] does not match a missing field', { detail: { lastName: [""] } }, autoscaling, false],
  ],

  arrays: [
    [
      "the docs example: pattern and event arrays intersect",
      {
        resources: [
          "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
          "arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f",
          "arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f",
        ],
      },
      {
        ...ec2,
        resources: [
          "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate",
          "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
        ],
      },
      true,
    ],
    ["no element in common", { resources: ["arn:aws:ec2:us-east-1:1:instance/x"] }, ec2, false],
    ["any element may match", { detail: { tags: ["admin"] } }, withDetail({ tags: ["user", "admin"] }), true],
    ["an empty event array matches no value", { detail: { tags: ["admin"] } }, withDetail({ tags: [] }), false],
    ["arrays inside arrays are crushed", { detail: { tags: ["b"] } }, withDetail({ tags: [["a"], ["b"]] }), true],
    [
      "an operator applies to each element",
      { detail: { tags: [{ prefix: "ad" }] } },
      withDetail({ tags: ["user", "admin"] }),
      true,
    ],
    [
      "a nested pattern over an array of objects (event-ruler README)",
      { detail: { employees: { firstName: ["Anna"] } } },
      withDetail({ employees }),
      true,
    ],
    [
      "fields from different array elements do not combine",
      { detail: { employees: { firstName: ["Anna"], lastName: ["Jones"] } } },
      withDetail({ employees }),
      false,
    ],
    [
      "fields from the same array element",
      { detail: { employees: { firstName: ["Anna"], lastName: ["Smith"] } } },
      withDetail({ employees }),
      true,
    ],
    [
      "multi-level arrays of objects",
      { detail: { employees: { firstName: ["Peter"] } } },
      withDetail({ employees: [employees.slice(0, 2), employees.slice(2)] }),
      true,
    ],
  ],

  "nested objects": [
    [
      "a nested field",
      { detail: { location: { city: ["Paris"] } } },
      withDetail({ location: { city: "Paris" } }),
      true,
    ],
    [
      "a nested field, other value",
      { detail: { location: { city: ["Rome"] } } },
      withDetail({ location: { city: "Paris" } }),
      false,
    ],
    [
      "all nested fields must match",
      { detail: { location: { city: ["Paris"], country: ["IT"] } } },
      withDetail({ location: { city: "Paris", country: "FR" } }),
      false,
    ],
    [
      "three levels deep",
      { detail: { a: { b: { c: ["deep"] } } } },
      withDetail({ a: { b: { c: "deep" }, other: 1 } }),
      true,
    ],
    ["the pattern goes deeper than the event", { detail: { state: { code: ["x"] } } }, ec2, false],
  ],

  prefix: [
    ["the docs example: time starts with a date", { time: [{ prefix: "2017-12-22" }] }, ec2, true],
    ["a prefix that does not start the value", { time: [{ prefix: "2017-12-23" }] }, ec2, false],
    ['"Region is in the US"', { region: [{ prefix: "us-" }] }, ec2, true],
    ["prefix is case-sensitive", { region: [{ prefix: "US-" }] }, ec2, false],
    ["prefix never matches a number", { detail: { n: [{ prefix: "1" }] } }, withDetail({ n: 12 }), false],
    [
      "prefix ignoring case (docs: service starts with eventb)",
      { detail: { service: [{ prefix: { "equals-ignore-case": "eventb" } }] } },
      withDetail({ service: "EventBridge" }),
      true,
    ],
    [
      "prefix ignoring case, other start",
      { detail: { service: [{ prefix: { "equals-ignore-case": "eventb" } }] } },
      withDetail({ service: "SNS" }),
      false,
    ],
  ],

  suffix: [
    [
      "the docs example: FileName ends with .png",
      { detail: { FileName: [{ suffix: ".png" }] } },
      withDetail({ FileName: "image.png" }),
      true,
    ],
    ["another extension", { detail: { FileName: [{ suffix: ".png" }] } }, withDetail({ FileName: "image.jpg" }), false],
    [
      "suffix is case-sensitive",
      { detail: { FileName: [{ suffix: ".png" }] } },
      withDetail({ FileName: "IMAGE.PNG" }),
      false,
    ],
    [
      "suffix ignoring case (docs: service ends with tBridge)",
      { detail: { service: [{ suffix: { "equals-ignore-case": "tBridge" } }] } },
      withDetail({ service: "EVENTBRIDGE" }),
      true,
    ],
    [
      "suffix ignoring case, other ending",
      { detail: { service: [{ suffix: { "equals-ignore-case": "tBridge" } }] } },
      withDetail({ service: "EventBus" }),
      false,
    ],
    ["suffix never matches a number", { detail: { n: [{ suffix: "2" }] } }, withDetail({ n: 12 }), false],
  ],

  "equals-ignore-case": [
    [
      'the docs example: Name is "Alice"',
      { detail: { Name: [{ "equals-ignore-case": "alice" }] } },
      withDetail({ Name: "Alice" }),
      true,
    ],
    ["any casing", { detail: { Name: [{ "equals-ignore-case": "alice" }] } }, withDetail({ Name: "ALICE" }), true],
    [
      "not a prefix match",
      { detail: { Name: [{ "equals-ignore-case": "alice" }] } },
      withDetail({ Name: "Alicia" }),
      false,
    ],
    [
      "on detail-type",
      { "detail-type": [{ "equals-ignore-case": "ec2 instance state-change notification" }] },
      ec2,
      true,
    ],
    [
      "never matches a boolean",
      { detail: { flag: [{ "equals-ignore-case": "true" }] } },
      withDetail({ flag: true }),
      false,
    ],
  ],

  "anything-but": [
    [
      "the docs example: any state but initializing",
      { detail: { state: [{ "anything-but": "initializing" }] } },
      withDetail({ state: "pending" }),
      true,
    ],
    [
      "the excluded value",
      { detail: { state: [{ "anything-but": "initializing" }] } },
      withDetail({ state: "initializing" }),
      false,
    ],
    [
      "exclusion is case-sensitive",
      { detail: { state: [{ "anything-but": "initializing" }] } },
      withDetail({ state: "INITIALIZING" }),
      true,
    ],
    [
      "a single number (docs: x-limit 123)",
      { detail: { "x-limit": [{ "anything-but": 123 }] } },
      withDetail({ "x-limit": 456 }),
      true,
    ],
    [
      "the excluded number",
      { detail: { "x-limit": [{ "anything-but": 123 }] } },
      withDetail({ "x-limit": 123 }),
      false,
    ],
    [
      "a list of strings",
      { detail: { state: [{ "anything-but": ["stopped", "overloaded"] }] } },
      withDetail({ state: "running" }),
      true,
    ],
    [
      "a string in the list",
      { detail: { state: [{ "anything-but": ["stopped", "overloaded"] }] } },
      withDetail({ state: "stopped" }),
      false,
    ],
    [
      "a list of numbers",
      { detail: { "x-limit": [{ "anything-but": [100, 200, 300] }] } },
      withDetail({ "x-limit": 456 }),
      true,
    ],
    [
      "a number in the list",
      { detail: { "x-limit": [{ "anything-but": [100, 200, 300] }] } },
      withDetail({ "x-limit": 200 }),
      false,
    ],
    [
      "numbers are excluded by value (1.0e2 = 100)",
      { detail: { "x-limit": [{ "anything-but": [1.0e2] }] } },
      withDetail({ "x-limit": 100 }),
      false,
    ],
    [
      "a missing field does not match",
      { detail: { state: [{ "anything-but": "initializing" }] } },
      withDetail({}),
      false,
    ],
    [
      "a missing field, with exists false alongside",
      { detail: { state: [{ "anything-but": "initializing" }, { exists: false }] } },
      withDetail({}),
      true,
    ],
    [
      "excluded prefix (docs: init)",
      { detail: { state: [{ "anything-but": { prefix: "init" } }] } },
      withDetail({ state: "initializing" }),
      false,
    ],
    [
      "outside the excluded prefix",
      { detail: { state: [{ "anything-but": { prefix: "init" } }] } },
      withDetail({ state: "running" }),
      true,
    ],
    ['"Region is not in the US", for a US region', { region: [{ "anything-but": { prefix: "us-" } }] }, ec2, false],
    [
      '"Region is not in the US", for another',
      { region: [{ "anything-but": { prefix: "us-" } }] },
      { ...ec2, region: "eu-west-1" },
      true,
    ],
    [
      "excluded suffix",
      { detail: { FileName: [{ "anything-but": { suffix: ".png" } }] } },
      withDetail({ FileName: "image.png" }),
      false,
    ],
    [
      "outside the excluded suffix",
      { detail: { FileName: [{ "anything-but": { suffix: ".png" } }] } },
      withDetail({ FileName: "notes.txt" }),
      true,
    ],
    [
      "excluded ignoring case",
      { detail: { state: [{ "anything-but": { "equals-ignore-case": "initializing" } }] } },
      withDetail({ state: "INITIALIZING" }),
      false,
    ],
    [
      "not excluded ignoring case",
      { detail: { state: [{ "anything-but": { "equals-ignore-case": "initializing" } }] } },
      withDetail({ state: "running" }),
      true,
    ],
    [
      "a list excluded ignoring case",
      { detail: { state: [{ "anything-but": { "equals-ignore-case": ["Stopped", "OverLoaded"] } }] } },
      withDetail({ state: "overloaded" }),
      false,
    ],
    [
      "excluded wildcard (docs: path includes /lib/)",
      { detail: { FilePath: [{ "anything-but": { wildcard: "*/lib/*" } }] } },
      withDetail({ FilePath: "/usr/lib/libc.so" }),
      false,
    ],
    [
      "outside the excluded wildcard",
      { detail: { FilePath: [{ "anything-but": { wildcard: "*/lib/*" } }] } },
      withDetail({ FilePath: "/usr/bin/env" }),
      true,
    ],
    [
      "an event array with a value outside the list (SNS docs: [100, 50])",
      { detail: { price: [{ "anything-but": [100, 500] }] } },
      withDetail({ price: [100, 50] }),
      true,
    ],
    [
      "an event array of excluded values only",
      { detail: { price: [{ "anything-but": [100, 500] }] } },
      withDetail({ price: [100, 500] }),
      false,
    ],
    [
      "a string array with a value outside the list",
      { detail: { interests: [{ "anything-but": ["rugby", "tennis"] }] } },
      withDetail({ interests: ["rugby", "baseball"] }),
      true,
    ],
    [
      "an empty event array has no value to match",
      { detail: { tags: [{ "anything-but": "secret" }] } },
      withDetail({ tags: [] }),
      false,
    ],
  ],

  numeric: [
    [
      "the docs example: every range holds",
      {
        detail: {
          "c-count": [{ numeric: [">", 0, "<=", 5] }],
          "d-count": [{ numeric: ["<", 10] }],
          "x-limit": [{ numeric: ["=", 3.018e2] }],
        },
      },
      withDetail(counts),
      true,
    ],
    [
      "the open end of a range",
      { detail: { "c-count": [{ numeric: [">", 0, "<=", 5] }] } },
      withDetail({ "c-count": 0 }),
      false,
    ],
    [
      "the closed end of a range",
      { detail: { "c-count": [{ numeric: [">", 0, "<=", 5] }] } },
      withDetail({ "c-count": 5 }),
      true,
    ],
    [
      "just above a range",
      { detail: { "c-count": [{ numeric: [">", 0, "<=", 5] }] } },
      withDetail({ "c-count": 5.000001 }),
      false,
    ],
    ["a half-open range", { detail: { n: [{ numeric: [">=", 0, "<", 5] }] } }, withDetail({ n: 5 }), false],
    ['"Price is 100"', { detail: { price: [{ numeric: ["=", 100] }] } }, withDetail({ price: 100 }), true],
    [
      "equality in scientific notation",
      { detail: { "x-limit": [{ numeric: ["=", 3.018e2] }] } },
      withDetail({ "x-limit": 301.8 }),
      true,
    ],
    ["greater than or equal", { detail: { n: [{ numeric: [">=", 10] }] } }, withDetail({ n: 10 }), true],
    ["negative numbers", { detail: { delta: [{ numeric: [">=", -5, "<", 0] }] } }, withDetail({ delta: -5 }), true],
    [
      "never matches a numeric string",
      { detail: { "d-count": [{ numeric: ["<", 10] }] } },
      withDetail({ "d-count": "4" }),
      false,
    ],
    ["never matches a boolean or null", { detail: { n: [{ numeric: ["<", 10] }] } }, withDetail({ n: null }), false],
    ["a missing field", { detail: { "d-count": [{ numeric: ["<", 10] }] } }, withDetail({}), false],
    [
      "any element of an event array",
      { detail: { vals: [{ numeric: [">", 0, "<", 10] }] } },
      withDetail({ vals: [100, 5, 200] }),
      true,
    ],
    ["beyond the documented range (±5e9)", { detail: { n: [{ numeric: [">", 0] }] } }, withDetail({ n: 6e9 }), false],
  ],

  exists: [
    ["the docs example: detail.state exists", { detail: { state: [{ exists: true }] } }, ec2, true],
    [
      "the docs example: no detail.state, only an object c-count",
      { detail: { state: [{ exists: true }] } },
      withDetail({ "c-count": { c1: 100 } }),
      false,
    ],
    ["exists false on a missing field", { detail: { "c-count": [{ exists: false }] } }, ec2, true],
    ["exists false on a present field", { detail: { state: [{ exists: false }] } }, ec2, false],
    [
      "exists works on leaves only: an object field does not exist (docs)",
      { detail: { "c-count": [{ exists: false }] } },
      withDetail({ state: "running", "c-count": { c1: 100 } }),
      true,
    ],
    [
      "exists true on an object field",
      { detail: { "c-count": [{ exists: true }] } },
      withDetail({ "c-count": { c1: 100 } }),
      false,
    ],
    ["null is a value: it exists", { detail: { responseElements: [{ exists: true }] } }, autoscaling, true],
    ['"" is a value: it exists', { detail: { eventVersion: [{ exists: true }] } }, autoscaling, true],
    ["exists false on an empty array", { detail: { tags: [{ exists: false }] } }, withDetail({ tags: [] }), true],
    ["exists true on an empty array", { detail: { tags: [{ exists: true }] } }, withDetail({ tags: [] }), false],
    ["exists true on a non-empty array", { detail: { tags: [{ exists: true }] } }, withDetail({ tags: ["a"] }), true],
    [
      "exists false on a non-empty array",
      { detail: { tags: [{ exists: false }] } },
      withDetail({ tags: ["a"] }),
      false,
    ],
    [
      "exists false on an array of objects (no leaf)",
      { detail: { items: [{ exists: false }] } },
      withDetail({ items: [{ sku: "a" }] }),
      true,
    ],
    [
      "exists inside an array of objects",
      { detail: { items: { sku: [{ exists: true }] } } },
      withDetail({ items: [{ sku: "a" }] }),
      true,
    ],
    [
      "exists false when the whole detail is missing",
      { detail: { state: [{ exists: false }] } },
      { ...ec2, detail: undefined },
      true,
    ],
    ["exists true on a top-level field", { source: [{ exists: true }] }, ec2, true],
  ],

  wildcard: [
    [
      'the docs example: a .png within "dir"',
      { detail: { FileName: [{ wildcard: "dir/*.png" }] } },
      withDetail({ FileName: "dir/image.png" }),
      true,
    ],
    [
      "a star spans slashes too",
      { detail: { FileName: [{ wildcard: "dir/*.png" }] } },
      withDetail({ FileName: "dir/a/b.png" }),
      true,
    ],
    [
      "another folder",
      { detail: { FileName: [{ wildcard: "dir/*.png" }] } },
      withDetail({ FileName: "other/image.png" }),
      false,
    ],
    [
      "another extension",
      { detail: { FileName: [{ wildcard: "dir/*.png" }] } },
      withDetail({ FileName: "dir/image.jpg" }),
      false,
    ],
    [
      "a star matches an empty run (Simple*Service)",
      { source: [{ wildcard: "Simple*Service" }] },
      { ...ec2, source: "SimpleService" },
      true,
    ],
    [
      "wildcards are case-sensitive",
      { source: [{ wildcard: "Simple*Service" }] },
      { ...ec2, source: "simpleQueueService" },
      false,
    ],
    ["several stars over an ARN", { resources: [{ wildcard: "arn:aws:ec2:*:*:instance/*" }] }, ec2, true],
    ["an escaped star is literal", { detail: { name: [{ wildcard: "a\\*b" }] } }, withDetail({ name: "a*b" }), true],
    [
      "an escaped star matches only a star",
      { detail: { name: [{ wildcard: "a\\*b" }] } },
      withDetail({ name: "axb" }),
      false,
    ],
    [
      "an escaped backslash before a star",
      { detail: { path: [{ wildcard: "C:\\\\*" }] } },
      withDetail({ path: "C:\\temp" }),
      true,
    ],
    ["regex characters are literal", { detail: { v: [{ wildcard: "1.0*" }] } }, withDetail({ v: "120" }), false],
    ["never matches a number", { detail: { n: [{ wildcard: "1*" }] } }, withDetail({ n: 12 }), false],
  ],

  cidr: [
    [
      "the docs example: inside 10.0.0.0/24",
      { detail: { sourceIPAddress: [{ cidr: "10.0.0.0/24" }] } },
      withDetail({ sourceIPAddress: "10.0.0.255" }),
      true,
    ],
    [
      "outside the block",
      { detail: { sourceIPAddress: [{ cidr: "10.0.0.0/24" }] } },
      withDetail({ sourceIPAddress: "10.0.1.1" }),
      false,
    ],
    ["an IPv6 block", { detail: { ip: [{ cidr: "2001:db8::/32" }] } }, withDetail({ ip: "2001:db8:1::1" }), true],
    [
      "outside an IPv6 block",
      { detail: { ip: [{ cidr: "2001:db8::/32" }] } },
      withDetail({ ip: "2001:db9::1" }),
      false,
    ],
    ["not an address", { detail: { ip: [{ cidr: "10.0.0.0/8" }] } }, withDetail({ ip: "localhost" }), false],
  ],

  $or: [
    [
      '"Location is New York, or Day is Monday"',
      { detail: { $or: [{ Location: ["New York"] }, { Day: ["Monday"] }] } },
      withDetail({ Location: "Paris", Day: "Monday" }),
      true,
    ],
    [
      "neither branch",
      { detail: { $or: [{ Location: ["New York"] }, { Day: ["Monday"] }] } },
      withDetail({ Location: "Paris", Day: "Friday" }),
      false,
    ],
    [
      "numeric branches (docs: c-count or d-count)",
      { detail: { $or: [{ "c-count": [{ numeric: [">", 0, "<=", 5] }] }, { "d-count": [{ numeric: ["<", 10] }] }] } },
      withDetail({ "c-count": 50, "d-count": 4 }),
      true,
    ],
    [
      "top level, AND-ed with the other fields",
      { source: ["aws.ec2"], $or: [{ region: ["eu-west-1"] }, { account: ["111122223333"] }] },
      ec2,
      true,
    ],
    [
      "top level, the other field fails",
      { source: ["aws.s3"], $or: [{ region: ["us-west-1"] }, { account: ["111122223333"] }] },
      ec2,
      false,
    ],
    [
      "a branch with an AND inside",
      { detail: { $or: [{ metricName: ["CPUUtilization"] }, { metricType: ["MetricType"], namespace: ["AWS/EC2"] }] } },
      withDetail({ metricType: "MetricType", namespace: "AWS/EC2" }),
      true,
    ],
    [
      "a branch with an AND inside, half true",
      { detail: { $or: [{ metricName: ["CPUUtilization"] }, { metricType: ["MetricType"], namespace: ["AWS/EC2"] }] } },
      withDetail({ metricType: "MetricType", namespace: "AWS/ES" }),
      false,
    ],
    [
      "parallel $or at two levels",
      {
        $or: [{ source: ["aws.cloudwatch"] }, { region: ["us-west-1"] }],
        detail: { $or: [{ state: ["terminated"] }, { "instance-id": ["i-0"] }] },
      },
      ec2,
      true,
    ],
    [
      "$or nested inside a branch",
      {
        detail: {
          $or: [
            { metricName: ["CPUUtilization"] },
            { namespace: ["AWS/EC2"], $or: [{ metricId: [1234] }, { spaceId: [1000] }] },
          ],
        },
      },
      withDetail({ namespace: "AWS/EC2", spaceId: 1000 }),
      true,
    ],
  ],

  "several matchers in one list": [
    ["OR-ed: the second matches", { detail: { state: [{ prefix: "run" }, "terminated"] } }, ec2, true],
    ["OR-ed: none matches", { detail: { state: [{ prefix: "run" }, "stopped"] } }, ec2, false],
    [
      "two ranges, value in neither",
      { detail: { n: [{ numeric: ["<", 0] }, { numeric: [">", 10] }] } },
      withDetail({ n: 5 }),
      false,
    ],
    [
      "two ranges, value in one",
      { detail: { n: [{ numeric: ["<", 0] }, { numeric: [">", 10] }] } },
      withDetail({ n: -1 }),
      true,
    ],
    ["a value or null", { detail: { v: ["x", null] } }, withDetail({ v: null }), true],
    [
      "the docs complex example, combined",
      {
        time: [{ prefix: "2017-12-22" }],
        detail: {
          state: [{ "anything-but": "initializing" }],
          "c-count": [{ numeric: [">", 0, "<=", 5] }],
          "d-count": [{ numeric: ["<", 10] }],
          "x-limit": [{ "anything-but": [100, 200, 300] }],
          "source-ip": [{ cidr: "10.0.0.0/8" }],
        },
      },
      withDetail(counts),
      true,
    ],
    [
      "cxloop: a detractor from a high-value customer",
      {
        source: ["cxloop"],
        "detail-type": ["Response Recorded"],
        detail: { category: ["detractor"], customer: { annualValue: [{ numeric: [">=", 50000] }] } },
      },
      {
        ...ec2,
        source: "cxloop",
        "detail-type": "Response Recorded",
        detail: { category: "detractor", customer: { annualValue: 120000 } },
      },
      true,
    ],
  ],
};

/** Patterns EventBridge refuses (InvalidEventPatternException), as [what, pattern]. */
export const INVALID_PATTERNS: [what: string, pattern: string | object][] = [
  ["not JSON", "{source: [aws.ec2]}"],
  ["not an object", '["aws.ec2"]'],
  ["an empty pattern", {}],
  ["an empty nested object", { detail: {} }],
  ["a leaf that is not an array", { source: "aws.ec2" }],
  ["a leaf that is a number", { detail: { n: 5 } }],
  ["an empty list of values", { source: [] }],
  ["a list inside the list of values", { source: [["aws.ec2"]] }],
  ["an unknown operator", { source: [{ "starts-with": "aws" }] }],
  ["two operators in one matcher", { source: [{ prefix: "aws", suffix: "ec2" }] }],
  ["an empty matcher", { source: [{}] }],
  ["prefix with a number", { source: [{ prefix: 1 }] }],
  ["prefix with an unknown inner operator", { source: [{ prefix: { "ignore-case": "aws" } }] }],
  ["equals-ignore-case with a number", { source: [{ "equals-ignore-case": 1 }] }],
  ["numeric that is not a list", { detail: { n: [{ numeric: ">" }] } }],
  ["a numeric operator that is not one", { detail: { n: [{ numeric: ["~", 10] }] } }],
  ["a numeric bound that is a string", { detail: { n: [{ numeric: ["<", "10"] }] } }],
  ["a numeric range upside down", { detail: { n: [{ numeric: [">", 10, "<", 5] }] } }],
  ["a numeric range upper bound first", { detail: { n: [{ numeric: ["<", 5, ">", 0] }] } }],
  ["equals with a second bound", { detail: { n: [{ numeric: ["=", 5, "<", 10] }] } }],
  ["a numeric range missing its last value", { detail: { n: [{ numeric: [">", 0, "<"] }] } }],
  ["a numeric bound beyond 5e9", { detail: { n: [{ numeric: ["<", 6e9] }] } }],
  ["a numeric bound with seven decimals", { detail: { n: [{ numeric: ["<", 0.0000001] }] } }],
  ["exists with a string", { detail: { n: [{ exists: "yes" }] } }],
  ["anything-but with an empty list", { detail: { n: [{ "anything-but": [] }] } }],
  ["anything-but mixing strings and numbers", { detail: { n: [{ "anything-but": ["a", 1] }] } }],
  ["anything-but null", { detail: { n: [{ "anything-but": null }] } }],
  ["anything-but a list of booleans", { detail: { n: [{ "anything-but": [true] }] } }],
  ["anything-but numeric", { detail: { n: [{ "anything-but": { numeric: [">", 1] } }] } }],
  ["anything-but an empty prefix", { detail: { n: [{ "anything-but": { prefix: "" } }] } }],
  ["anything-but two inner operators", { detail: { n: [{ "anything-but": { prefix: "a", suffix: "b" } }] } }],
  ["a wildcard with consecutive stars", { detail: { n: [{ wildcard: "a**b" }] } }],
  ["a wildcard escaping another character", { detail: { n: [{ wildcard: "a\\b" }] } }],
  ["a cidr block with too many bits", { detail: { ip: [{ cidr: "10.0.0.0/33" }] } }],
  ["a cidr that is not an address", { detail: { ip: [{ cidr: "not-an-ip" }] } }],
  ["$or with one branch", { $or: [{ source: ["a"] }] }],
  ["$or that is not a list", { $or: { source: ["a"] } }],
  ["$or with a branch that is not an object", { $or: [{ source: ["a"] }, ["b"]] }],
  ["an operator name as a field inside $or", { $or: [{ prefix: ["a"] }, { source: ["b"] }] }],
];
