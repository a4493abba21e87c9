import { parentPort, workerData } from "node:worker_threads";
import {
  type DynaliteThreadInput,
  type FromDynaliteThread,
  type MeterCall,
  startDynalite,
  type ToDynaliteThread,
} from "./dynamodb";
import type { DynamoMeter } from "./usage";

/** The dynalite thread (startDynaliteThread): dynalite on its own event loop, its meter calls sent back in batches. */
const port = parentPort;
if (!port) throw new Error("dynalite-thread must run in a worker thread");
const { path, metered } = workerData as DynaliteThreadInput;
const send = (message: FromDynaliteThread) => port.postMessage(message);

let pending: MeterCall[] = [];
const sendPending = () => {
  if (pending.length === 0) return;
  send({ metered: pending });
  pending = [];
};
// One message for all a turn of the loop metered (a BatchWriteItem meters each item).
const record = (call: MeterCall) => {
  if (pending.length === 0) setImmediate(sendPending);
  pending.push(call);
};
const meter: DynamoMeter = {
  dynamoRead: (...args) => record(["dynamoRead", ...args]),
  dynamoWrite: (...args) => record(["dynamoWrite", ...args]),
  dynamoFailedConditionalWrite: () => record(["dynamoFailedConditionalWrite"]),
};

const dynamo = await startDynalite({ path, ...(metered ? { usage: meter } : {}) });
port.on("message", async (message: ToDynaliteThread) => {
  // Messages keep their order: what was metered before is counted before the answer arrives.
  if ("settle" in message) {
    sendPending();
    return send({ settled: message.settle });
  }
  await dynamo.close();
  sendPending();
  send({ closed: true });
});
send({ listening: dynamo.url });
