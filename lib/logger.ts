import { Logger } from '@aws-lambda-powertools/logger';

/** The one structured logger; service name and level come from POWERTOOLS_* variables. */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'athena-cost',
});
