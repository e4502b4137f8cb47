// Asserting that a reader rejects its input with a FormatError of the right code and message.
import { expect } from 'vitest';
import { FormatError, type FormatErrorCode } from '../model/errors.ts';

/** One code, or any of several (for inputs that can legitimately fail in more than one way). */
export type ExpectedCodes = FormatErrorCode | readonly FormatErrorCode[];

/**
 * Checks that `fn` throws, or that the promise rejects with, a FormatError of `code` (or one of
 * the codes) whose message matches `message` when given. Returns the error for further checks.
 */
export function expectFormatError(fn: () => unknown, code: ExpectedCodes, message?: RegExp): FormatError;
export function expectFormatError(run: PromiseLike<unknown>, code: ExpectedCodes, message?: RegExp): Promise<FormatError>;
export function expectFormatError(what: (() => unknown) | PromiseLike<unknown>, code: ExpectedCodes, message?: RegExp): FormatError | Promise<FormatError> {
  if (typeof what !== 'function') {
    return Promise.resolve(what).then(
      () => check('nothing (the promise resolved)', code, message),
      (e: unknown) => check(e, code, message),
    );
  }
  let result: unknown;
  try {
    result = what();
  } catch (e) {
    return check(e, code, message);
  }
  if (result instanceof Promise) {
    result.catch(() => undefined); // its rejection is reported by the error below, not as unhandled
    throw new Error('expectFormatError: the function returned a promise; pass the promise itself and await the check');
  }
  return check('nothing (the function returned)', code, message);
}

function check(err: unknown, code: ExpectedCodes, message: RegExp | undefined): FormatError {
  expect(err, `expected a FormatError, got ${String(err)}`).toBeInstanceOf(FormatError);
  const fe = err as FormatError;
  if (typeof code === 'string') expect(fe.code, fe.message).toBe(code);
  else expect(code, `code of "${fe.code}: ${fe.message}"`).toContain(fe.code);
  if (message) expect(fe.message).toMatch(message);
  return fe;
}
