/**
 * Limits of the item contract, shared by the handlers' schemas and the REST API's models. Kept free of
 * imports so synthesizing the stacks does not load the validation library.
 */
export const NAME_MAX = 200;
export const DESCRIPTION_MAX = 2000;
export const LIST_LIMIT_MAX = 100;
export const LIST_LIMIT_DEFAULT = 20;
