// Errors that cross module (and later worker) boundaries carry a stable `code` and the values
// that explain them, so callers can act on them and the UI can show a precise message.

export type FormatErrorCode =
  | 'bad-magic'
  | 'bad-version'
  | 'truncated'
  | 'absurd-value'
  | 'bad-offset'
  | 'unknown-type'
  | 'missing-tensor'
  | 'missing-key'
  | 'shape-mismatch'
  | 'unsupported'
  | 'bad-json'
  | 'bad-value';

/** A model file (GGUF, safetensors, config) that cannot be read as what it claims to be. */
export class FormatError extends Error {
  override name = 'FormatError';
  constructor(
    readonly code: FormatErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** Throws a FormatError unless `cond` holds; keeps validation lines short. */
export function check(
  cond: unknown,
  code: FormatErrorCode,
  message: string,
  details?: Record<string, unknown>,
): asserts cond {
  if (!cond) throw new FormatError(code, message, details);
}
