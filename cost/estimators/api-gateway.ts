import { resourcesOf } from "../../synthesized/stack-json.ts";
import { chunks } from "../stack-usage.ts";
import type { ServiceEstimator } from "../types.ts";

export const apiGateway: ServiceEstimator = {
  service: "API Gateway",
  prices: [
    "aws_api_gateway_rest_api",
    "aws_api_gateway_stage",
    "aws_apigatewayv2_api",
    "aws_apigatewayv2_stage",
  ],
  estimate: (context) => {
    const { traffic, requests } = context;
    const lines = [];
    if (resourcesOf(context.stack, "aws_api_gateway_rest_api").length > 0)
      lines.push({
        item: "REST requests",
        quantity: requests * traffic.restCallsPerRequest,
        priceKey: "apigateway.rest.requests",
        fixed: false,
      });
    if (
      resourcesOf(context.stack, "aws_apigatewayv2_api").some(
        (api) => api.values.protocol_type === "WEBSOCKET",
      )
    ) {
      const pushed = [...context.invocations].reduce((sum, [name, invocations]) => {
        const measured = context.measured.functions[name];
        return (
          sum +
          invocations * (measured?.websocketPosts ?? 0) * chunks(measured?.websocketBytesPerPost ?? 0, 32768)
        );
      }, 0);
      lines.push(
        {
          item: "WebSocket messages",
          quantity: pushed + requests * traffic.websocket.inboundMessagesPerRequest,
          priceKey: "apigateway.websocket.messages",
          fixed: false,
        },
        {
          item: "WebSocket connection minutes",
          quantity:
            requests * traffic.websocket.connectionsPerRequest * traffic.websocket.minutesPerConnection,
          priceKey: "apigateway.websocket.connection-minutes",
          fixed: false,
        },
      );
    }
    return lines;
  },
};
