/**
 * When a port accepts TCP but never greets, one common cause is implicit TLS
 * (SMTPS) where STARTTLS was expected: the server waits for a ClientHello.
 * This tries a TLS handshake with a bounded timeout, certificate errors
 * ignored (only "does it speak TLS" matters here).
 */
import { connect } from 'node:tls';

export function probeImplicitTls(host: string, port: number, timeoutMs: number, servername?: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({
      host,
      port,
      servername: servername && !/^[\d.:]+$/.test(servername) ? servername : undefined,
      rejectUnauthorized: false,
    });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('secureConnect', () => done(true));
    socket.once('error', () => done(false));
  });
}
