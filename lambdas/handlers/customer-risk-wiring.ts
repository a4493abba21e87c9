import { CaseStore } from "../adapters/case-store";
import { dynamoDocumentClient, eventBridgeClient } from "../adapters/clients";
import { CustomerStore } from "../adapters/customer-store";
import { EventPublisher } from "../adapters/event-publisher";
import { ResponseStore } from "../adapters/response-store";
import { readEnv } from "../contracts/runtime-env";
import type { CustomerRiskPorts } from "../core/customer-risk";

/** How much history risk is computed from: the same window the 360° view shows. */
const HISTORY = 50;

/** Ports for recomputing a customer's churn risk, shared by the risk consumer and the customers API. */
export function customerRiskPorts(): CustomerRiskPorts & { customers: CustomerStore } {
  const env = readEnv(["tableName", "eventBusName", "churnRiskThreshold"]);
  const client = dynamoDocumentClient();
  const customers = new CustomerStore(client, env.tableName);
  const responses = new ResponseStore(client, env.tableName);
  const cases = new CaseStore(client, env.tableName);
  const events = new EventPublisher(eventBridgeClient(), env.eventBusName);
  return {
    customers,
    load: async (customerId) => {
      const [profile, history, responseCount, customerCases, customerEvents] = await Promise.all([
        customers.get(customerId),
        responses.list({ customerId, from: new Date(0), to: new Date(), limit: HISTORY }),
        responses.countForCustomer(customerId),
        cases.ofCustomer(customerId),
        customers.events(customerId, HISTORY),
      ]);
      return { profile, responses: history.items, responseCount, cases: customerCases, events: customerEvents };
    },
    saveRisk: (customerId, risk, atRisk, rollups) => customers.saveRisk(customerId, risk, atRisk, rollups),
    publishAtRisk: ({ customerId, churnRisk, profile, trigger, since }) =>
      events.customerAtRisk({
        customerId,
        churnRisk: { score: churnRisk.score, level: churnRisk.level, reasons: churnRisk.reasons },
        segment: profile?.segment ?? null,
        annualValue: profile?.annualValue ?? null,
        owner: profile?.owner ?? null,
        trigger,
        since,
      }),
    threshold: env.churnRiskThreshold,
    now: () => new Date(),
  };
}
