import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for a password (RFC 5802 and 7677, in PostgreSQL's
 * `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` form), made here with one iteration for a
 * sandbox login. Iterations slow down guessing the password of a stolen verifier; a sandbox's password is
 * 144 random bits (`newPassword`), past guessing at any count. PostgreSQL's own 4,096 cost the server
 * ~3 ms of CPU per CREATE ROLE (a tenth of a new sandbox's server CPU here), and every client as much per
 * connection where logins authenticate with scram-sha-256.
 */
export function scramVerifier(password: string, iterations = 1): string {
  const salt = randomBytes(16);
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  const b64 = (bytes: Buffer) => bytes.toString('base64');
  return `SCRAM-SHA-256$${iterations}:${b64(salt)}$${b64(storedKey)}:${b64(serverKey)}`;
}
