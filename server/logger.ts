// Structured JSON logs (pino). Secrets are redacted by key wherever they might be nested, as a second line
// of defence: the code itself never logs tokens, cookies, passwords, keys or passphrases.
import { pino, type Logger } from 'pino';

const SECRET_KEYS = ['password', 'passwordHash', 'apiKey', 'appSecret', 'secret', 'token', 'csrfToken', 'passphrase', 'p12Passphrase', 'keyPem', 'authorization', 'cookie', 'session_key', 'sign'];

export function createLogger(level: string): Logger {
  return pino({
    level,
    base: { pid: process.pid },
    redact: {
      paths: [...SECRET_KEYS, ...SECRET_KEYS.map((k) => `*.${k}`), ...SECRET_KEYS.map((k) => `*.*.${k}`)],
      censor: '[redacted]',
    },
  });
}
