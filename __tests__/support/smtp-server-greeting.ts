/**
 * The test SMTP servers greet at once. smtp-server holds every greeting 100 ms to catch clients that
 * talk before it (SMTPConnection.init in smtp-server 3.21); the clients under test never do, and with
 * ~60 connections per `npm test` that is ~6 s of a worker doing nothing. Postfix on GHES greets at
 * once too (no postscreen greet pause). Import this module before creating an SMTPServer.
 *
 * init() is replaced with the same code minus the timer. It checks the library's code first and
 * throws when init() is not the one it replaces, so an upgrade of smtp-server fails loudly here
 * instead of changing the tests' server behind their back.
 */
import { SMTPConnection } from 'smtp-server/lib/smtp-connection';

interface ConnectionInternals {
  _server: { options: { maxClients?: number }; connections: Set<unknown> };
  name: string;
  _setListeners(callback: () => void): void;
  connectionReady(): void;
  send(code: number, text: string, enhanced: boolean): void;
}

const proto = (
  SMTPConnection as unknown as { prototype: ConnectionInternals & { init(): void; __greetsAtOnce?: boolean } }
).prototype;
if (!proto.__greetsAtOnce) {
  const source = proto.init.toString();
  if (!source.includes('setTimeout(() => this.connectionReady(), 100)') || !source.includes('maxClients')) {
    throw new Error('smtp-server changed SMTPConnection.init(): review __tests__/support/smtp-server-greeting.ts');
  }
  proto.init = function init(this: ConnectionInternals): void {
    this._setListeners(() => {
      if (this._server.options.maxClients && this._server.connections.size > this._server.options.maxClients) {
        return this.send(421, `${this.name} Too many connected clients, try again in a moment`, false);
      }
      this.connectionReady();
    });
  };
  proto.__greetsAtOnce = true;
}
