import type { Case } from "../contracts/cases";
import type { FollowUpConfig } from "../contracts/follow-up-config";
import type { ResponseRecord } from "../contracts/record";
import { alertFor } from "./alerts";
import { type Channel, type DeliveryPorts, deliverOnce } from "./delivery-log";

export interface NotifyPorts extends DeliveryPorts {
  config: FollowUpConfig;
  /** The name the alert shows for the case's customer, read from the table: case events carry none. */
  customerName(item: Case): Promise<string | null>;
}

/** Where a customer's name is held: on their stored response (as given with it, else their profile's then) and their profile. */
export interface CustomerNameSources {
  responses: { get(id: string): Promise<Pick<ResponseRecord, "customer"> | null> };
  customers: { get(id: string): Promise<{ name?: string } | null> };
}

/**
 * The customer's name as the table holds it now: the stored response's, else the profile's. Once the
 * customer is erased there is none (the response is under a pseudonym, the profile gone), so an alert
 * still in the queue shows no name.
 */
export async function storedCustomerName(item: Case, sources: CustomerNameSources): Promise<string | null> {
  const { customerId } = item;
  if (!customerId) return null;
  const stored = item.response ? await sources.responses.get(item.responseId) : null;
  const given = stored?.customer?.id === customerId ? stored.customer.name : undefined;
  return given ?? (await sources.customers.get(customerId))?.name ?? null;
}

/**
 * Sends a case alert on each of the contact's channels, once per channel. Every
 * channel is tried; if any failed, the alert is retried and the channels that
 * already delivered are skipped.
 */
export async function notifyCase(
  item: Case,
  trigger: { kind: "opened" } | { kind: "escalated"; level: number },
  ports: NotifyPorts,
): Promise<string[]> {
  const alert = alertFor(item, trigger, ports.config, await ports.customerName(item));
  if (!alert) return [];
  const channels: Channel[] = [];
  const { slack: webhook, email: address } = alert.contact;
  if (webhook)
    channels.push({
      name: "slack",
      delivery: `${alert.key}#slack`,
      send: () => ports.slack.send(webhook, alert.slack),
    });
  const email = ports.email;
  if (address && email)
    channels.push({
      name: "email",
      delivery: `${alert.key}#email`,
      send: () => email.send(address, alert.email).then(() => true),
    });
  return deliverOnce(item.id, channels, ports);
}
