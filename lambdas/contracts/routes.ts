/** Lambda handlers by name; each lives in `lambdas/handlers/<name>.ts`. */
export const HANDLERS = [
  "intake",
  "enrich",
  "responses-api",
  "follow-up",
  "notify",
  "sla-sweeper",
  "cases-api",
  "customers-api",
  "customer-risk",
  "comment-retention",
  "metrics-api",
  "metrics-rollup",
  "digest",
] as const;
export type HandlerName = (typeof HANDLERS)[number];

/** API Gateway route keys, as they appear in the event's `routeKey`. */
export const ApiRoute = {
  submit: "POST /v1/responses",
  submitBatch: "POST /v1/responses/batch",
  getResponse: "GET /v1/responses/{id}",
  listResponses: "GET /v1/responses",
  openApi: "GET /v1/openapi.json",
  listCases: "GET /v1/cases",
  caseStats: "GET /v1/cases/stats",
  getCase: "GET /v1/cases/{id}",
  patchCase: "PATCH /v1/cases/{id}",
  putCustomer: "PUT /v1/customers/{id}",
  customerBatch: "POST /v1/customers/batch",
  getCustomer: "GET /v1/customers/{id}",
  deleteCustomer: "DELETE /v1/customers/{id}",
  customerEvents: "POST /v1/customers/{id}/events",
  revenueAtRisk: "GET /v1/revenue-at-risk",
  metrics: "GET /v1/metrics",
  drivers: "GET /v1/drivers",
  recomputeMetrics: "POST /v1/metrics/recompute",
} as const;
export type ApiRoute = (typeof ApiRoute)[keyof typeof ApiRoute];

/** Which function serves each route: the stack wires these, the handlers dispatch on them. */
export const ROUTE_HANDLERS: Record<ApiRoute, HandlerName> = {
  [ApiRoute.submit]: "intake",
  [ApiRoute.submitBatch]: "intake",
  [ApiRoute.getResponse]: "responses-api",
  [ApiRoute.listResponses]: "responses-api",
  [ApiRoute.openApi]: "responses-api",
  [ApiRoute.listCases]: "cases-api",
  [ApiRoute.caseStats]: "cases-api",
  [ApiRoute.getCase]: "cases-api",
  [ApiRoute.patchCase]: "cases-api",
  [ApiRoute.putCustomer]: "customers-api",
  [ApiRoute.customerBatch]: "customers-api",
  [ApiRoute.getCustomer]: "customers-api",
  [ApiRoute.deleteCustomer]: "customers-api",
  [ApiRoute.customerEvents]: "customers-api",
  [ApiRoute.revenueAtRisk]: "customers-api",
  [ApiRoute.metrics]: "metrics-api",
  [ApiRoute.drivers]: "metrics-api",
  [ApiRoute.recomputeMetrics]: "metrics-api",
};
