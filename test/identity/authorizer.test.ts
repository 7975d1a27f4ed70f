import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { type LocalIdentityServer, startIdentityServer } from "../../local/cognito/server.ts";
import { LocalUserPool } from "../../local/cognito/user-pool.ts";
import { hostileTokens } from "../support/hostile-tokens.ts";

const webClient = {
  resourceId: "web",
  clientId: "webclient00000000000000000",
  flows: ["code"],
  scopes: ["openid", "email", "items/read", "items/write"],
  callbackUrls: ["http://127.0.0.1:3000/"],
  logoutUrls: ["http://127.0.0.1:3000/"],
  accessTokenMinutes: 60,
  refreshTokenMinutes: 1440,
};
const pool = new LocalUserPool("eu-west-1", [webClient]);
let identity: LocalIdentityServer;
let authorize: (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

beforeAll(async () => {
  identity = await startIdentityServer(pool, 0, []);
  Object.assign(process.env, {
    USER_POOL_ID: pool.poolId,
    USER_POOL_CLIENT_IDS: webClient.clientId,
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: identity.url,
    POWERTOOLS_LOG_LEVEL: "SILENT",
  });
  ({ handler: authorize } = await import("../../handlers/websocket/authorizer.ts"));
});

afterAll(async () => {
  await identity.close();
});

const METHOD_ARN = "arn:aws:execute-api:eu-west-1:111111111111:abc123/live/$connect";

function connectEvent(token?: string): APIGatewayRequestAuthorizerEvent {
  return {
    type: "REQUEST",
    methodArn: METHOD_ARN,
    queryStringParameters: token === undefined ? {} : { token },
  } as unknown as APIGatewayRequestAuthorizerEvent;
}

describe("the $connect authorizer", () => {
  it("allows a valid access token as its user, for this route only", async () => {
    const { access_token } = pool.signIn({
      username: "alice",
      clientId: webClient.clientId,
      scopes: ["items/read"],
    });

    const result = await authorize(connectEvent(access_token));

    expect(result).toEqual({
      principalId: pool.subOf("alice"),
      policyDocument: {
        Version: "2012-10-17",
        Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: METHOD_ARN }],
      },
      context: {
        clientId: webClient.clientId,
        tokenExpiresAt: String(
          JSON.parse(Buffer.from(access_token.split(".")[1] ?? "", "base64url").toString()).exp,
        ),
      },
    });
  });

  // Denied with a policy, never thrown: a thrown error counts in the function's Errors metric, which alarms.
  const denied = {
    principalId: "refused",
    policyDocument: {
      Version: "2012-10-17",
      Statement: [{ Action: "execute-api:Invoke", Effect: "Deny", Resource: METHOD_ARN }],
    },
  };

  it("refuses a write-only token: what a socket receives includes items, and reading them takes items/read", async () => {
    const { access_token } = pool.signIn({
      username: "alice",
      clientId: webClient.clientId,
      scopes: ["items/write"],
    });
    expect(await authorize(connectEvent(access_token))).toEqual(denied);
  });

  it("refuses a connection without a token", async () => {
    expect(await authorize(connectEvent())).toEqual(denied);
  });

  it.each(Object.entries(hostileTokens(pool, webClient.clientId)))(
    "refuses %s with a Deny policy",
    async (_, token) => {
      expect(await authorize(connectEvent(token))).toEqual(denied);
    },
  );
});
