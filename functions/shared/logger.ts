import { Logger } from '@aws-lambda-powertools/logger';

import { redactSecrets } from '../core/redact';

/**
 * The service's structured JSON logger. Every string value passes through
 * a redaction step on its way out, so a Stripe key or signing secret that
 * slips into a message, an error or an attribute is masked.
 */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'chat-payments',
  persistentKeys: { stage: process.env.STAGE ?? 'unknown' },
  jsonReplacerFn: (_key: string, value: unknown) =>
    typeof value === 'string' ? redactSecrets(value) : value,
});
