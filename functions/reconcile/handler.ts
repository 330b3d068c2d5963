import type { Context } from 'aws-lambda';

import { logger } from '../shared/logger';
import { getServices, type Services } from '../shared/services';
import { reconcile, type ReconcileSummary } from './reconcile';

/** Time kept in reserve before the Lambda timeout to finish the write. */
const SAFETY_MARGIN_MS = 10_000;
/** Budget when no Lambda context gives the remaining time. */
const DEFAULT_BUDGET_MS = 60_000;

/** Creates the scheduled reconcile handler around the given services. */
export function createReconcileHandler(resolveServices: () => Services) {
  return async (_event?: unknown, context?: Context): Promise<ReconcileSummary> => {
    const budget = context ? context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS : DEFAULT_BUDGET_MS;
    logger.appendKeys({ requestId: context?.awsRequestId });
    try {
      return await reconcile(resolveServices(), Date.now() + Math.max(budget, 1_000));
    } finally {
      logger.resetKeys();
    }
  };
}

export const handler = createReconcileHandler(getServices);
