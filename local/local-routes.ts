import type { ReconcileSummary } from '../functions/reconcile/reconcile';
import type { LocalCallbackQueue } from './callback-queue';
import type { GatewayRoute } from './gateway';

interface LocalControls {
  reconcile(): Promise<ReconcileSummary>;
  callbackQueue: LocalCallbackQueue;
  settleCallbacks(): Promise<void>;
}

const json = (statusCode: number, body: unknown) => ({
  statusCode,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  body: JSON.stringify(body),
});

/**
 * Routes of the local stage only, under `/_local/`: run reconcile now,
 * read the callback dead letters, wait for callbacks to settle.
 */
export function localRoutes(controls: LocalControls): GatewayRoute[] {
  return [
    {
      matches: (path) => path.startsWith('/_local/'),
      handler: async (event) => {
        const method = event.requestContext.http.method;
        const route = `${method} ${event.rawPath.replace(/\/+$/, '')}`;
        switch (route) {
          case 'POST /_local/reconcile':
            return json(200, await controls.reconcile());
          case 'GET /_local/dead-letters':
            return json(200, { data: controls.callbackQueue.deadLetters });
          case 'POST /_local/callbacks/settle':
            await controls.settleCallbacks();
            return json(200, { settled: true });
          default:
            return json(404, {
              error: {
                code: 'route_not_found',
                message: `No local route ${route}. The local stage serves POST /_local/reconcile, GET /_local/dead-letters and POST /_local/callbacks/settle.`,
              },
            });
        }
      },
    },
  ];
}
