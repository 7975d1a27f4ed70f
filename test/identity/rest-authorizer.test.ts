import { LocalUserPool } from "../../local/cognito/user-pool.ts";
import { hostileTokens } from "../support/hostile-tokens.ts";

const webClient = {
  resourceId: "web",
  clientId: "webclient00000000000000000",
  flows: ["code"],
  scopes: ["openid", "email", "items/read", "items/write"],
  callbackUrls: [],
  logoutUrls: [],
  accessTokenMinutes: 60,
  refreshTokenMinutes: 1440,
};
const pool = new LocalUserPool("eu-west-1", [webClient]);

describe("the local stand-in for API Gateway's user-pool authorizer", () => {
  it("accepts an access token with one of the method's scopes and hands over its claims", async () => {
    const { access_token } = pool.signIn({
      username: "alice",
      clientId: webClient.clientId,
      scopes: ["items/read"],
    });

    const claims = await pool.verifyForRestMethod(access_token, ["items/read"]);

    expect(claims).toMatchObject({ sub: pool.subOf("alice"), token_use: "access", scope: "items/read" });
  });

  it("refuses a token without the method's scope: a read-only token cannot write", async () => {
    const { access_token } = pool.signIn({
      username: "alice",
      clientId: webClient.clientId,
      scopes: ["items/read"],
    });

    expect(await pool.verifyForRestMethod(access_token, ["items/write"])).toBeUndefined();
  });

  it.each(Object.entries(hostileTokens(pool, webClient.clientId)))("refuses %s", async (_, token) => {
    expect(await pool.verifyForRestMethod(token, ["items/write"])).toBeUndefined();
  });

  it("gives the same user the same sub in every token, and different users different ones", () => {
    expect(pool.subOf("alice")).toBe(pool.subOf("alice"));
    expect(pool.subOf("alice")).not.toBe(pool.subOf("bob"));
    expect(pool.subOf("alice")).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
