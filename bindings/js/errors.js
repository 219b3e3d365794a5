// The one error type of the package, mirroring the Go verifier's
// *formats.FormatError and *verifier.Error: the same kinds, messages,
// positions and hints.

/**
 * An input refused, or a verifier state that could not be kept.
 * kind is the outcome's name, as the Go verifier's ErrorKind and FORMAT.md
 * section 7 give it ('typo', 'bad_signature', 'list_replayed', ...), or
 * one of this package's own for what Go reports without a kind
 * ('not_renewal', 'weak_key', 'bad_token', 'invalid', 'state_missing',
 * 'state_corrupt', 'state'). input says what the text was taken for
 * ('activation code', 'reset code', 'registration key', 'public key', or
 * ''), group and char locate the problem in the canonical hyphenated form
 * (0 when unknown), line and column (from 1, in bytes) in the input.
 */
export class LicmintError extends Error {
  constructor(kind, message, o = {}) {
    super(message);
    this.name = 'LicmintError';
    this.kind = kind;
    this.input = o.input ?? '';
    this.hint = o.hint ?? '';
    this.group = o.group ?? 0;
    this.char = o.char ?? 0;
    this.line = o.line ?? 0;
    this.column = o.column ?? 0;
  }
}

// formatError builds what Go's FormatError.Error() prints.
export function formatError(input, kind, msg, hint, group = 0, char = 0, line = 0, column = 0) {
  let text = input;
  if (group > 0) text += `, group ${group} character ${char}`;
  if (line > 0) text += ` (line ${line}, column ${column})`;
  return new LicmintError(kind, `${text}: ${msg}`, { input, hint, group, char, line, column });
}

// prefixed returns err with its message prefixed, as Go's fmt.Errorf("x: %w").
export function prefixed(prefix, err) {
  const e = new LicmintError(err.kind, prefix + err.message, err);
  return e;
}
