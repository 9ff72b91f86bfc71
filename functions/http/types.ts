import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/** API Gateway HTTP API payload format 2.0: what both API Gateway and the local server deliver. */
export type ApiEvent = APIGatewayProxyEventV2;
export type ApiResult = APIGatewayProxyStructuredResultV2;

/** A route's implementation: gets the event, answers a result or throws an `HttpError`. */
export type RouteHandler = (event: ApiEvent) => Promise<ApiResult>;
