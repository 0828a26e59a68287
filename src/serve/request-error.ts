import { DeeprankError } from '../errors.js';

/** A scoring request that does not fit the bundle's schema; `field` is its path, e.g. `candidates[3].price`. HTTP 400. */
export class RequestError extends DeeprankError {
  constructor(message: string, field: string | undefined) {
    super(message, field !== undefined ? { field } : {});
  }
}
