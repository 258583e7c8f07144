import type { IncomingHttpHeaders } from 'node:http';

/** What authentication reads of a request: its headers and, on Lambda through serverless-http, the event. */
export interface AuthRequest {
  headers: IncomingHttpHeaders;
  /** The API Gateway event, when serverless-http runs the app on Lambda. */
  lambdaEvent?: unknown;
}
