import { createPlan, linkCase, listPlans, showPlan, summarizePlans, updatePlan } from "../core/action-plans";
import { actionPlanPorts, apiAuth } from "./composition-root";
import { httpHandler } from "./http";

const ports = actionPlanPorts();

export const handler = httpHandler<"action-plans-api">(
  {
    createActionPlan: async ({ body, caller }) => ({ status: 201, body: await createPlan(body, caller.name, ports) }),
    listActionPlans: async ({ query }) => ({ status: 200, body: await listPlans(query, ports) }),
    getActionPlanSummary: async () => ({ status: 200, body: await summarizePlans(ports) }),
    getActionPlan: async ({ path }) => ({ status: 200, body: await showPlan(path.id, ports) }),
    updateActionPlan: async ({ path, body, caller }) => ({
      status: 200,
      body: await updatePlan(path.id, body, caller.name, ports),
    }),
    linkActionPlanCase: async ({ path, body, caller }) => ({
      status: 200,
      body: await linkCase(path.id, body.caseId, caller.name, ports),
    }),
  },
  { auth: apiAuth() },
);
