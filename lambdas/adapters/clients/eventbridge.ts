import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { once } from "./once";

export const eventBridgeClient = /* @__PURE__ */ once(() => new EventBridgeClient({}));
