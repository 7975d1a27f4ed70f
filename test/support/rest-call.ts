import { parseSendMessage, SqsRequestError, type SqsSendMessage } from "../../local/sqs/query-request.ts";
import { renderMappingTemplate } from "../../local/vtl/engine.ts";
import { matchRoute, type RestApiTable, selectResponse } from "../../synthesized/rest-api.ts";

export interface RestCall {
  body?: string;
  querystring?: Record<string, string>;
  header?: Record<string, string>;
  /** `$context.requestId`; clients can choose it with X-Amzn-RequestId, so tests make it hostile too. */
  requestId?: string;
  /** Items the DynamoDB integration finds, by request id (the `requests` table). */
  storedOutcomes?: Record<string, string>;
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
      requestTimeEpoch: REQUEST_TIME_EPOCH,
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
    integrationBody = JSON.stringify(stored === undefined ? {} : { Item: { outcome: { S: stored } } });
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
