// The worker of local/environment/handler-sandbox.ts: imports a bundled function with Node's own
// loader, then runs one invocation per message, as a Lambda execution environment would.
import { parentPort, workerData } from 'node:worker_threads';

const noop = () => undefined;

// The function's clock follows the simulation: each invocation sets how far it is from real time.
const RealDate = Date;
let clockOffsetMs = 0;
globalThis.Date = class SimulatedDate extends RealDate {
  constructor(...args) {
    if (args.length === 0) super(RealDate.now() + clockOffsetMs);
    else super(...args);
  }
  static now() {
    return RealDate.now() + clockOffsetMs;
  }
};

import(workerData.url).then(
  (module) => {
    const handler = module[workerData.exportName];
    if (typeof handler !== 'function') {
      parentPort.postMessage({
        type: 'load-error',
        error: `${workerData.url} does not export a function ${workerData.exportName}`,
      });
      return;
    }
    parentPort.on('message', async ({ id, event, context }) => {
      const { deadlineMs, clockMs, ...rest } = context;
      const lambdaContext = {
        ...rest,
        callbackWaitsForEmptyEventLoop: true,
        getRemainingTimeInMillis: () => Math.max(0, deadlineMs - RealDate.now()),
        done: noop,
        fail: noop,
        succeed: noop,
      };
      clockOffsetMs = clockMs === undefined ? 0 : clockMs - RealDate.now();
      try {
        const result = await handler(event, lambdaContext);
        parentPort.postMessage({ type: 'result', id, result });
      } catch (error) {
        parentPort.postMessage({
          type: 'error',
          id,
          error: error instanceof Error ? error.stack || error.message : String(error),
        });
      }
    });
    parentPort.postMessage({ type: 'ready' });
  },
  (error) => parentPort.postMessage({ type: 'load-error', error: String(error?.stack || error) }),
);
