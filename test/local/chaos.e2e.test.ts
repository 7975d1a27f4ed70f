import { runChaosProof } from "../../local/chaos/proof.ts";
import { type RunningService, startLocalService } from "../../local/service-client.ts";

describe("npm run local --chaos: nothing lost, duplicated, resurrected or overwritten by an older update", () => {
  let service: RunningService;
  beforeAll(async () => {
    service = await startLocalService(["--chaos", "11", "--time-scale", "0.05"]);
  }, 90_000);
  afterAll(async () => {
    await service?.stop();
  });

  it("holds with duplicate and reordered deliveries, failed invocations and SDK calls, index lag and late handshakes", {
    timeout: 240_000,
  }, async () => {
    const report = await runChaosProof(service, {
      users: 4,
      itemsPerUser: 3,
      updatesPerItem: 3,
      settleMs: 90_000,
    });

    expect(report.commandsSent).toBeGreaterThan(40);
    expect(report).toMatchObject({
      lost: 0,
      itemsDuplicated: 0,
      itemsResurrected: 0,
      staleOverwrites: 0,
      eventsMissing: 0,
      eventsPhantom: 0,
    });
    expect(report.eventsPublished).toBeGreaterThan(0);
    expect(report.outcomesReceived).toBe(report.commandsSent);
    expect(report.outcomesStored).toBe(report.commandsSent);
    for (const misfortune of [
      "duplicate delivery",
      "invocation failed before its handler",
      "invocation failed after its handler",
      "DynamoDB call failed",
    ])
      expect(report.chaos[misfortune] ?? 0, misfortune).toBeGreaterThan(0);
  });
});
