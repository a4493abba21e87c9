import { ComprehendClient } from "@aws-sdk/client-comprehend";
import { once } from "./once";

export const comprehendClient = /* @__PURE__ */ once(() => new ComprehendClient({}));
