/**
 * The verify wait of `relay-credentials`: log in with the new key until SES accepts it (a new IAM key takes a while
 * to reach SES, so early 535s are expected), the time is up, the run is stopped, or the fault is one that waiting
 * cannot heal (DNS that does not resolve, a refused connection, no route, TLS that fails): those end the wait at
 * once, with what to change about the network.
 */
import { abortable, sleep } from './abortable';

export type VerifyOutcome =
  | { readonly kind: 'accepted' }
  /** `why`: the last refusal or fault; `hint`: set when waiting cannot heal it (it names the endpoint). */
  | { readonly kind: 'refused'; readonly why: string; readonly hint?: string }
  | { readonly kind: 'stopped' };

export interface VerifyOptions {
  readonly host: string;
  readonly port: number;
  /** @default 300 */
  readonly timeoutSeconds?: number;
  /** First wait between attempts, doubling up to 30 s. @default 2 */
  readonly retrySeconds?: number;
}

/** The text of an error and of its causes, with any `code` they carry (nodemailer keeps the socket's in the text). */
function faultText(err: unknown): string {
  const parts: string[] = [];
  const text = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v) : '');
  for (let e: unknown = err, depth = 0; typeof e === 'object' && e !== null && depth < 5; depth++) {
    const o = e as { message?: unknown; code?: unknown; cause?: unknown };
    parts.push(text(o.message), text(o.code));
    e = o.cause;
  }
  return typeof err === 'string' ? err : parts.join(' ');
}

const TLS_FAULT =
  /certificate|\bCERT_|self[- ]signed|altnames|\bERR_TLS_|\bERR_SSL_|SSL routines|wrong version number|unable to (verify|get (local )?issuer)/i;

/**
 * What to do about a login fault that waiting cannot heal, or undefined when a retry may help: an SMTP reply (535
 * while the key propagates), a timeout, a reset, or EAI_AGAIN (a resolver that failed for now).
 */
export function unhealable(err: unknown, host: string, port: number): string | undefined {
  if (typeof (err as { responseCode?: unknown })?.responseCode === 'number') return undefined;
  const text = faultText(err);
  const why = err instanceof Error ? err.message : String(err);
  const egress = egressHint(host, port);
  if (/\bEAI_AGAIN\b/.test(text)) return undefined;
  if (/\bENOTFOUND\b/.test(text))
    return `${host} does not resolve from here (${why}); waiting will not fix this. ${egress}`;
  if (/\bECONNREFUSED\b/.test(text))
    return `${host}:${port} refused the connection (${why}); waiting will not fix this: something between here and SES (a firewall, a proxy, a block on port ${port}) turns it away. ${egress}`;
  if (/\b(EHOSTUNREACH|ENETUNREACH)\b/.test(text))
    return `no route to ${host}:${port} (${why}); waiting will not fix this. ${egress}`;
  if (TLS_FAULT.test(text))
    return `TLS with ${host}:${port} failed (${why}); waiting will not fix this. A proxy or firewall that intercepts TLS shows its own certificate: let ${host}:${port} through untouched, or, where TLS is re-signed on purpose, point NODE_EXTRA_CA_CERTS at that CA.`;
  return undefined;
}

function egressHint(host: string, port: number): string {
  return `This check needs DNS and outbound TCP ${port} to ${host}: run it from a network that allows that (as the GHES appliance's does), or let ${host}:${port} through your proxy or firewall.`;
}

/**
 * When the time is up: a fault without an SMTP reply (a timeout, a reset, EAI_AGAIN) all along is the network's,
 * not SES still learning the key (a firewall that drops port 587 looks like this).
 */
function timeUpHint(err: unknown, o: VerifyOptions, seconds: number): string | undefined {
  if (typeof (err as { responseCode?: unknown })?.responseCode === 'number') return undefined;
  const why = err instanceof Error ? err.message : String(err);
  return `${o.host}:${o.port} never answered with SMTP in ${seconds} s (${why}). ${egressHint(o.host, o.port)}`;
}

/** Logs in with `login` until it resolves, the time is up, waiting cannot help, or `stop` aborts. */
export async function verifyLogin(
  login: () => Promise<void>,
  o: VerifyOptions,
  stop: AbortSignal | undefined,
  out: (text: string) => void,
): Promise<VerifyOutcome> {
  const seconds = o.timeoutSeconds ?? 300;
  const deadline = Date.now() + seconds * 1000;
  let smtpAnswered = false;
  let delay = (o.retrySeconds ?? 2) * 1000;
  for (;;) {
    if (stop?.aborted) return { kind: 'stopped' };
    try {
      if ((await abortable(login(), stop)) === 'stopped') return { kind: 'stopped' };
      out(`SMTP AUTH LOGIN with the new credentials: accepted.\n`);
      return { kind: 'accepted' };
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      const hint = unhealable(e, o.host, o.port);
      if (hint !== undefined) return { kind: 'refused', why, hint };
      smtpAnswered ||= typeof (e as { responseCode?: unknown })?.responseCode === 'number';
      const left = deadline - Date.now();
      if (left <= 0) return { kind: 'refused', why, hint: smtpAnswered ? undefined : timeUpHint(e, o, seconds) };
      out(`waiting for SES to accept the new key: ${why}; ${Math.ceil(left / 1000)}s left\n`);
      if ((await sleep(Math.min(delay, left), stop)) === 'stopped') return { kind: 'stopped' };
      delay = Math.min(delay * 2, 30_000);
    }
  }
}
