/**
 * Requests the recorder receives under this path are made by DynamoDB itself: the local TTL sweeper deletes expired
 * items through it, so their REMOVE records carry the service's identity, as DynamoDB's TTL deletions do.
 */
export const SERVICE_PRINCIPAL_PATH = "/_service/dynamodb.amazonaws.com";
