/** E-mail addresses as the store compares them: the domain part case-insensitive, as mail systems do. */

/**
 * The form an address is stored and looked up under: trimmed, the domain part lower-cased, the
 * local part exact (RFC 5321 lets a server tell `Jane` from `jane`) unless `ignoreLocalPartCase`.
 */
export function normalizeAddress(email: string, ignoreLocalPartCase = false): string {
  const address = email.trim();
  if (ignoreLocalPartCase) return address.toLowerCase();
  // The last @: a quoted local part may hold one of its own.
  const at = address.lastIndexOf('@');
  if (at < 0) return address;
  return address.slice(0, at + 1) + address.slice(at + 1).toLowerCase();
}
