import assert from 'node:assert/strict';

/** `actual` equals `expected` up to floating-point rounding. */
export function assertClose(actual: number, expected: number, tolerance = 1e-12): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)),
    `expected ${expected}, got ${actual}`,
  );
}

/** For `assert.throws`: the error is an instance of `type` and its message matches `message`. */
export function isError(type: abstract new (...args: never[]) => Error, message: RegExp): (error: unknown) => boolean {
  return (error) => error instanceof type && message.test(error.message);
}
