export interface AtRiskCustomer {
  id: string;
  segment: string | null;
  annualValue: number | null;
  currency: string | null;
  churnRisk: number;
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * Revenue at risk: the sum, over customers at or above the risk threshold, of annual value ×
 * churn risk. Amounts are never added across currencies; customers without a known value
 * count 0 and are reported as such.
 */
export function revenueAtRisk(customers: readonly AtRiskCustomer[], threshold: number) {
  const counted = customers.filter((customer) => customer.churnRisk >= threshold);
  const byCurrency = new Map<string, { total: number; customers: number; bySegment: Map<string, number> }>();
  for (const customer of counted) {
    if (customer.annualValue === null) continue;
    const currency = customer.currency ?? "unknown";
    const entry = byCurrency.get(currency) ?? { total: 0, customers: 0, bySegment: new Map() };
    const amount = customer.annualValue * customer.churnRisk;
    entry.total += amount;
    entry.customers += 1;
    const segment = customer.segment ?? "unknown";
    entry.bySegment.set(segment, (entry.bySegment.get(segment) ?? 0) + amount);
    byCurrency.set(currency, entry);
  }
  return {
    threshold,
    customersAtRisk: counted.length,
    customersWithoutValue: counted.filter((customer) => customer.annualValue === null).length,
    revenueAtRisk: [...byCurrency.entries()]
      .map(([currency, entry]) => ({
        currency,
        total: round2(entry.total),
        customers: entry.customers,
        bySegment: [...entry.bySegment.entries()]
          .map(([segment, total]) => ({ segment, total: round2(total) }))
          .sort((a, b) => b.total - a.total),
      }))
      .sort((a, b) => b.total - a.total),
  };
}
