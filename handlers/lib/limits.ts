/**
 * Limits of the item contract, shared by the handlers' schemas and the REST API's models. Kept free of
 * imports so synthesizing the stacks does not load the validation library.
 */
export const NAME_MAX = 200;
export const DESCRIPTION_MAX = 2000;
export const LIST_LIMIT_MAX = 100;
export const LIST_LIMIT_DEFAULT = 20;

/**
 * Text fields hold no U+FFFE or U+FFFF: valid JSON, but outside the character set SQS carries, so a command or
 * outcome holding one could not be queued. A JSON Schema pattern (API Gateway's models) and a regex source (the
 * handlers' schemas) alike.
 */
export const TEXT_PATTERN = "^[^\\uFFFE\\uFFFF]*$";

/**
 * A command accepted longer ago than this is refused, whichever way it arrives (a late redelivery, a DLQ redrive
 * weeks later). Queues keep a command at most 7 days and the DLQ 14 more, so only a redrive can bring one this
 * old; tombstones (`TOMBSTONE_RETENTION_SECONDS`, 30 days) outlive it, so no command that may still be applied
 * finds its item's tombstone expired and the item free to be created again.
 */
export const COMMAND_MAX_AGE_SECONDS = 28 * 24 * 60 * 60;
