// Stripe secret keys, restricted keys and webhook signing secrets. A match
// anywhere in a string is replaced, so keys inside URLs, error messages
// and JSON bodies are caught too.
const SECRET_PATTERN = /\b(sk|rk)_(test|live)_[A-Za-z0-9]+|\bwhsec_[A-Za-z0-9+/=]+/g;

/** Replaces every Stripe secret in the text with a masked form. */
export function redactSecrets(text: string): string {
  return text.replace(SECRET_PATTERN, (secret) => {
    const prefix = secret.startsWith('whsec_')
      ? 'whsec_'
      : secret.slice(0, secret.indexOf('_', 3) + 1);
    return `${prefix}[REDACTED]`;
  });
}

/** Returns true when the text contains something shaped like a secret. */
export function containsSecret(text: string): boolean {
  SECRET_PATTERN.lastIndex = 0;
  const found = SECRET_PATTERN.test(text);
  SECRET_PATTERN.lastIndex = 0;
  return found;
}
