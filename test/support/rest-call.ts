import { parseSendMessage, SqsRequestError, type SqsSendMessage } from "../../local/sqs/query-request.ts";
import { renderMappingTemplate } from "../../local/vtl/engine.ts";
import { matchRoute, type RestApiTable, selectResponse } from "../../synthesized/rest-api.ts";

export interface RestCall {
  body?: string;
  querystring?: Record<string, string>;
  header?: Record<string, string>;
  /** `$context.requestId`; clients can choose it with X-Amzn-RequestId, so tests make it hostile too. */
  requestId?: string;
  /** `$context.extendedRequestId`: API Gateway's own, base64 with `+`, `/` and `=`. */
  extendedRequestId?: string;
  /** The verified token's claims, as the Cognito authorizer hands them to templates. @default a user's `sub` */
  claims?: Record<string, string>;
  /** Items the DynamoDB integration finds, by request id (the `requests` table): the outcome and its owner. */
  storedOutcomes?: Record<string, { outcome: string; owner: string }>;
}

export interface RestAnswer {
  status: number;
  body: string;
  headers: Record<string, string>;
  /** What SQS received, when the call reached SQS and SQS accepted it. */
  sent?: SqsSendMessage;
  /** The DynamoDB request, when the route reads DynamoDB. */
  dynamoRequest?: Record<string, unknown>;
}

export const REQUEST_TIME_EPOCH = 1_763_800_000_000;
export const EXTENDED_REQUEST_ID = "Ab+Cd/Ef1Gh2Ij3=";
/** What the templates make of `EXTENDED_REQUEST_ID`: the request id clients see. */
export const API_REQUEST_ID = "Ab-Cd_Ef1Gh2Ij3";
export const CALLER_SUB = "5f0c9d2e-3b1a-4c8d-9e7f-6a5b4c3d2e1f";

/**
 * Runs one call through a synthesized route as API Gateway would: the request template, then the
 * integration (SQS parses the form as SQS does; DynamoDB answers from `storedOutcomes`), then the
 * integration response chosen by status. Validation by request validators is not simulated here.
 */
export function callRoute(
  table: RestApiTable,
  httpMethod: string,
  path: string,
  call: RestCall = {},
): RestAnswer {
  const matched = matchRoute(table, httpMethod, path);
  if (!matched) throw new Error(`No route ${httpMethod} ${path}`);
  const { route, pathParameters } = matched;
  const request = {
    body: call.body,
    path: pathParameters,
    querystring: call.querystring ?? {},
    header: call.header ?? {},
    context: {
      requestId: call.requestId ?? "0b0f3b4e-1111-4222-8333-944445555666",
      extendedRequestId: call.extendedRequestId ?? EXTENDED_REQUEST_ID,
      requestTimeEpoch: REQUEST_TIME_EPOCH,
      authorizer: {
        claims: call.claims ?? { sub: CALLER_SUB, token_use: "access", scope: "items/read items/write" },
      },
    },
  };
  const rendered = renderMappingTemplate(route.integration.requestTemplate, request).output;
  let integrationStatus = 200;
  let integrationBody = "";
  const answer: Partial<RestAnswer> = {};
  const uri = route.integration.uri ?? "";
  if (uri.includes(":sqs:path/")) {
    try {
      answer.sent = parseSendMessage(rendered);
      integrationBody = "<SendMessageResponse/>";
    } catch (error) {
      if (!(error instanceof SqsRequestError)) throw error;
      integrationStatus = 400;
      integrationBody = `<ErrorResponse><Error><Code>${error.code}</Code></Error></ErrorResponse>`;
    }
  } else if (uri.endsWith(":dynamodb:action/GetItem")) {
    const dynamoRequest = JSON.parse(rendered) as { Key: { requestId: { S: string } } };
    answer.dynamoRequest = dynamoRequest;
    const stored = call.storedOutcomes?.[dynamoRequest.Key.requestId.S];
    integrationBody = JSON.stringify(
      stored === undefined ? {} : { Item: { outcome: { S: stored.outcome }, owner: { S: stored.owner } } },
    );
  } else if (route.integration.type !== "MOCK") {
    throw new Error(`Unsimulated integration ${uri}`);
  }
  const response = selectResponse(route, integrationStatus);
  const result = renderMappingTemplate(response.template, { ...request, body: integrationBody });
  return {
    ...answer,
    status: result.statusOverride ?? Number(response.statusCode),
    body: result.output,
    headers: { ...response.headers, ...result.headerOverrides },
  };
}
