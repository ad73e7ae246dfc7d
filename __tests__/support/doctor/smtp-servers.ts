/**
 * Real SMTP servers on 127.0.0.1 for the doctor's tests (the `smtp-server`
 * package), each behaving like one relay the issue lists, plus a plain TCP
 * server that never greets and a port with nothing listening.
 */
import { AddressInfo, Server, Socket, createServer } from 'node:net';
import { generate } from 'selfsigned';
import { SMTPServer, SMTPServerOptions } from 'smtp-server';
import '../smtp-server-greeting';

export interface TestCerts {
  /** CA that signed `cert` (give it to the doctor with --ca-file). */
  readonly caCert: string;
  /** Leaf certificate for `name`, signed by the CA. */
  readonly cert: string;
  readonly key: string;
  /** A self-signed certificate for the same name. */
  readonly selfSignedCert: string;
  readonly selfSignedKey: string;
}

export async function makeCerts(name: string): Promise<TestCerts> {
  const ca = await generate([{ name: 'commonName', value: 'ghes-email doctor test CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const san = { name: 'subjectAltName' as const, altNames: [{ type: 2 as const, value: name }] };
  const leaf = await generate([{ name: 'commonName', value: name }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ca: { key: ca.private, cert: ca.cert },
    extensions: [san, { name: 'extKeyUsage', serverAuth: true }],
  });
  const self = await generate([{ name: 'commonName', value: name }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [san],
  });
  return {
    caCert: ca.cert,
    cert: leaf.cert,
    key: leaf.private,
    selfSignedCert: self.cert,
    selfSignedKey: self.private,
  };
}

export interface RunningServer {
  readonly port: number;
  /** Messages received (envelope and raw text), for --send tests. */
  readonly messages: { from: string; to: string[]; raw: string }[];
  /** AUTH attempts seen (user name and the password the server received). */
  readonly logins: { method: string; username: string; password: string }[];
  close(): Promise<void>;
}

type Behaviour = Partial<SMTPServerOptions> & {
  user?: string;
  password?: string;
  rejectAuth?: string;
  rejectSender?: string;
};

/** An smtp-server on 127.0.0.1 with a random port. */
export async function startSmtp(behaviour: Behaviour): Promise<RunningServer> {
  const messages: RunningServer['messages'] = [];
  const logins: RunningServer['logins'] = [];
  const { user, password, rejectAuth, rejectSender, ...options } = behaviour;
  const server = new SMTPServer({
    name: 'smtp.relay.test',
    banner: 'test relay',
    authMethods: ['PLAIN', 'LOGIN'],
    disableReverseLookup: true,
    logger: false,
    ...options,
    onAuth(auth, _session, cb) {
      logins.push({ method: auth.method, username: auth.username ?? '', password: auth.password ?? '' });
      if (rejectAuth || auth.username !== user || auth.password !== password) {
        cb(Object.assign(new Error(rejectAuth ?? '5.7.8 Authentication credentials invalid'), { responseCode: 535 }));
        return;
      }
      cb(null, { user: auth.username });
    },
    onMailFrom(address, session, cb) {
      if (options.onMailFrom) return options.onMailFrom(address, session, cb);
      if (rejectSender) return cb(Object.assign(new Error(rejectSender), { responseCode: 554 }));
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        messages.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString(),
        });
        cb(null);
      });
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = ((server as unknown as { server: Server }).server.address() as AddressInfo).port;
  return { port, messages, logins, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** A plain TCP server on a loopback port; close() also ends the connections still open. */
export async function startTcp(onConnection: (s: Socket) => void = () => undefined): Promise<RunningServer> {
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    onConnection(s);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    messages: [],
    logins: [],
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Accepts TCP connections and never says a word. */
export function startSilent(): Promise<RunningServer> {
  return startTcp();
}

/** A loopback port with nothing listening (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * A minimal SMTP server written by hand, for replies the `smtp-server` package
 * will not send (it blanks control characters in its banner): greets with
 * `greeting`, answers EHLO with `ehlo` lines, QUIT with 221, anything else with 502.
 */
export function startScripted(greeting: string, ehlo: readonly string[]): Promise<RunningServer> {
  return startTcp((s) => {
    // latin1: one byte per character, so "\u009b" goes out as the single C1 byte 0x9B.
    s.write(Buffer.from(`${greeting}\r\n`, 'latin1'));
    let buffered = '';
    s.on('data', (d: Buffer) => {
      buffered += d.toString('latin1');
      let i: number;
      while ((i = buffered.indexOf('\r\n')) >= 0) {
        const line = buffered.slice(0, i);
        buffered = buffered.slice(i + 2);
        if (/^EHLO /i.test(line))
          s.write(
            Buffer.from(ehlo.map((l, k) => `250${k === ehlo.length - 1 ? ' ' : '-'}${l}\r\n`).join(''), 'latin1'),
          );
        else if (/^QUIT/i.test(line)) s.end('221 Bye\r\n');
        else s.write('502 5.5.1 not implemented\r\n');
      }
    });
  });
}
