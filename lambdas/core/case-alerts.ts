import type { Case } from "../contracts/cases";
import type { FollowUpConfig } from "../contracts/follow-up-config";
import { alertFor } from "./alerts";
import { type Channel, type DeliveryPorts, deliverOnce } from "./delivery-log";

export interface NotifyPorts extends DeliveryPorts {
  config: FollowUpConfig;
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
  const alert = alertFor(item, trigger, ports.config);
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
