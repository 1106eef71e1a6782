// Idempotency keys for refund forms. Not a secret, only unique: the server keys "same request again" on it.

/** e.g. 'mp-lx2k9a1c-4f0k2m9q8z7w': time (so keys from two devices rarely meet) + 16 random base-36 chars. */
export function newIdempotencyKey(): string {
  let random = '';
  while (random.length < 16) random += Math.random().toString(36).slice(2);
  return `mp-${Date.now().toString(36)}-${random.slice(0, 16)}`;
}
