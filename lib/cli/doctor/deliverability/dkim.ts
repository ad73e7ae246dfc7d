/**
 * The DKIM lines of `doctor deliverability`. A DKIM key lives at
 * `<selector>._domainkey.<domain>` (RFC 6376 §3.6.2.1); the selector is the
 * signer's choice and is not discoverable from DNS. Amazon SES Easy DKIM
 * publishes three CNAMEs `<token>._domainkey.<domain>` → `<token>.dkim.amazonses.com`,
 * with tokens only SES knows; other relays hand out a TXT key or a CNAME to
 * theirs. So selectors come from --dkim-selector; without one, SES gets the
 * command that lists its tokens and other relays a probe of common selectors.
 */
import { createPublicKey } from 'node:crypto';
import { DeliverabilityDns, Relay, clip, txtRecord } from './dns';
import { LookupProblem, serverFix } from '../dns-lookup';
import { Check } from '../report';

export interface DkimInput {
  readonly domain: string;
  readonly relay: Relay;
  readonly selectors: readonly string[];
  /** Where the selectors came from, when not from --dkim-selector (e.g. "the stack's ses-relay output"). */
  readonly selectorsFrom?: string;
}

/** One selector's line, and the lookup problem when the key could not be looked up at all. */
interface SelectorResult {
  readonly check: Check;
  readonly failed?: LookupProblem;
}

export interface DkimFindings {
  readonly checks: Check[];
  /** Whether a usable key for the From domain was seen: DMARC can align through DKIM only then. */
  readonly signing: 'found' | 'missing' | 'unknown';
}

/** Selectors big providers use (Microsoft 365, Google Workspace, Mailgun, SendGrid, and generic ones). */
export const COMMON_SELECTORS = [
  'selector1',
  'selector2',
  'google',
  'k1',
  's1',
  's2',
  'default',
  'dkim',
  'mail',
] as const;

export async function checkDkim(dns: DeliverabilityDns, input: DkimInput): Promise<DkimFindings> {
  if (input.selectors.length > 0) {
    const from = input.selectorsFrom ? ` (selector from ${input.selectorsFrom})` : '';
    const checks = (await Promise.all(input.selectors.map((s) => selectorCheck(dns, input, s)))).map((r) => ({
      ...r.check,
      message: `${r.check.message}${from}`,
    }));
    return {
      checks,
      signing: checks.some((c) => c.status === 'pass')
        ? 'found'
        : checks.every((c) => c.status === 'fail')
          ? 'missing'
          : 'unknown',
    };
  }
  if (input.relay.kind === 'ses') {
    return {
      signing: 'unknown',
      checks: [
        {
          id: 'dkim',
          status: 'warn',
          message: `DKIM ${input.domain}: not checked: SES Easy DKIM publishes three CNAMEs <token>._domainkey.${input.domain} whose tokens only SES knows`,
          fix: `give the outputs of the deployed stack as --config (cdktf output --outputs-file FILE: its ses-relay output lists the tokens), or list them with: aws sesv2 get-email-identity --email-identity ${input.domain} --region ${input.relay.region} --query 'DkimAttributes.[Status,Tokens]' and run again with --dkim-selector <token> for each`,
        },
      ],
    };
  }
  const probed = await Promise.all(COMMON_SELECTORS.map(async (s) => ({ s, ...(await selectorCheck(dns, input, s)) })));
  const found = probed
    .filter((p) => p.check.status === 'pass')
    .map((p) => ({
      ...p.check,
      message: `${p.check.message} (a common selector, probed: pass --dkim-selector to check the ones your relay signs with)`,
    }));
  if (found.length > 0) return { checks: found, signing: 'found' };
  // A selector whose lookup failed was not looked at: "no key there" would be a guess.
  const failed = probed.filter((p) => p.failed);
  const answered = probed.filter((p) => !p.failed).map((p) => p.s);
  const findFix = `read s= in the DKIM-Signature header of a notification GHES delivered (d= must be ${input.domain}) and run again with --dkim-selector <s>; if there is none, turn on DKIM signing for ${input.domain} at the relay and publish the record it gives`;
  if (failed.length > 0)
    return {
      signing: 'unknown',
      checks: [
        {
          id: 'dkim',
          status: 'warn',
          message: `DKIM ${input.domain}: ${failed.length === probed.length ? 'the common selectors' : `${failed.length} of the common selectors (${failed.map((p) => p.s).join(', ')})`} could not be looked up: ${failed[0].failed!.text}${answered.length > 0 ? `; no key at the others (${answered.join(', ')})` : ''}`,
          fix: `${serverFix(failed[0].failed!, dns.ctx)}; or ${findFix}`,
        },
      ],
    };
  return {
    signing: 'unknown',
    checks: [
      {
        id: 'dkim',
        status: 'warn',
        message: `DKIM ${input.domain}: no key at the common selectors (${COMMON_SELECTORS.join(', ')}); the selector your relay signs with is not discoverable from DNS`,
        fix: findFix,
      },
    ],
  };
}

async function selectorCheck(dns: DeliverabilityDns, input: DkimInput, selector: string): Promise<SelectorResult> {
  const r = await selectorLine(dns, input, selector);
  return 'check' in r ? r : { check: r };
}

async function selectorLine(
  dns: DeliverabilityDns,
  input: DkimInput,
  selector: string,
): Promise<Check | SelectorResult> {
  const name = `${selector}._domainkey.${input.domain}`;
  const id = `dkim.${selector}`;
  const ses = input.relay.kind === 'ses';
  const sesTarget = `${selector}.dkim.amazonses.com`;
  const missingFix = ses
    ? `publish ${name} CNAME ${sesTarget} (the stack's SES relay creates it), or check the token with aws sesv2 get-email-identity`
    : `publish the key your relay gives for selector "${selector}", e.g. ${txtRecord(name, 'v=DKIM1; k=rsa; p=<public key from the relay>')}`;
  const cname = await dns.cname(name);
  if (cname.problem && !cname.problem.missing)
    return {
      failed: cname.problem,
      check: {
        id,
        status: 'fail',
        message: `DKIM ${name}: could not be looked up: ${cname.problem.text}`,
        fix: serverFix(cname.problem, dns.ctx),
      },
    };
  if (cname.target && ses) {
    const ok = cname.target === sesTarget;
    return {
      id,
      status: ok ? 'pass' : 'fail',
      message: ok
        ? `DKIM ${name} → ${cname.target} (SES Easy DKIM)`
        : `DKIM ${name} → ${cname.target}; expected ${sesTarget} for SES Easy DKIM`,
      fix: ok ? undefined : `publish ${name} CNAME ${sesTarget} in place of the CNAME to ${cname.target}`,
      data: { name, target: cname.target },
    };
  }
  // Through a CNAME, a recursive resolver answers the TXT at the name; an authoritative one only for its own zone, so
  // ask the target too.
  let txt = await dns.txt(name);
  if (cname.target && txt.records.length === 0) txt = await dns.txt(cname.target);
  const via = cname.target ? ` → ${cname.target}` : '';
  // Nothing can sit beside a CNAME (RFC 1034 §3.6.2): the key goes at its target, or in place of it.
  const keyFix = cname.target
    ? `${name} is a CNAME to ${cname.target}: have the key published there (or point the CNAME at the name your relay gives for selector "${selector}"), or replace the CNAME with the key itself: ${txtRecord(name, 'v=DKIM1; k=rsa; p=<public key from the relay>')}`
    : missingFix;
  if (txt.records.length === 0) {
    if (txt.problem && !txt.problem.missing) {
      return {
        failed: txt.problem,
        check: {
          id,
          status: cname.target ? 'warn' : 'fail',
          message: `DKIM ${name}${via}: the key could not be looked up: ${txt.problem.text}`,
          fix: serverFix(txt.problem, dns.ctx),
          data: { name, target: cname.target },
        },
      };
    }
    return {
      id,
      status: 'fail',
      message: `DKIM ${name}${via}: no DKIM key (${txt.problem?.text ?? 'no TXT record'}): receivers cannot verify signatures with selector "${selector}"`,
      fix: keyFix,
      data: { name, target: cname.target },
    };
  }
  const keys = txt.records.filter((r) => r.includes('p='));
  const key = parseDkimKey(keys[0] ?? txt.records[0]);
  const shown = clip(keys[0] ?? txt.records[0], 120);
  if (keys.length > 1)
    return {
      id,
      status: 'fail',
      message: `DKIM ${name}${via}: ${keys.length} keys; verifiers take one record per selector`,
      fix: 'keep one key record per selector',
      data: { name, seen: txt.records },
    };
  if (key.problem)
    return {
      id,
      status: 'fail',
      message: `DKIM ${name}${via}: "${shown}": ${key.problem}`,
      fix: keyFix,
      data: { name, seen: txt.records },
    };
  return {
    id,
    status: 'pass',
    message: `DKIM ${name}${via}: ${key.description}`,
    data: { name, target: cname.target, keyType: key.type, bits: key.bits },
  };
}

export interface DkimKey {
  readonly type: string;
  readonly bits?: number;
  /** Why receivers cannot verify with it, when they cannot. */
  readonly problem?: string;
  readonly description: string;
}

/** A DKIM key record (RFC 6376 §3.6.1): tag=value pairs split on ";", no regex over the record. */
export function parseDkimKey(text: string): DkimKey {
  const tags = new Map<string, string>();
  const names: string[] = [];
  for (const part of text.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const name = part.slice(0, eq).trim().toLowerCase();
    names.push(name);
    if (!tags.has(name)) tags.set(name, part.slice(eq + 1).trim());
  }
  const type = (tags.get('k') ?? 'rsa').toLowerCase();
  const fail = (problem: string): DkimKey => ({ type, problem, description: problem });
  if (tags.has('v') && (tags.get('v') !== 'DKIM1' || names[0] !== 'v'))
    return fail('"v=" must be "DKIM1" and come first (RFC 6376 §3.6.1)');
  const p = tags.get('p');
  if (p === undefined) return fail('no "p=" tag: this is not a DKIM key');
  // Whitespace may fold the base64 (RFC 6376 §3.6.1); it is not part of the key.
  const b64 = p.split(/[ \t\r\n]/).join('');
  if (b64 === '') return fail('the key is revoked (empty "p=")');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) return fail('"p=" is not base64');
  const der = Buffer.from(b64, 'base64');
  if (type === 'ed25519') {
    return der.length === 32
      ? { type, bits: 256, description: 'Ed25519 key (RFC 8463)' }
      : fail(`an Ed25519 key is 32 bytes; got ${der.length}`);
  }
  if (type !== 'rsa') return fail(`unknown key type k=${clip(type, 20)}`);
  const bits = rsaBits(der);
  if (bits === undefined) return fail('"p=" does not decode to an RSA public key');
  // RFC 8301 §3.2: verifiers must not accept signatures made with RSA keys under 1024 bits.
  if (bits < 1024)
    return {
      type,
      bits,
      problem: `a ${bits}-bit RSA key: receivers ignore signatures with keys under 1024 bits (RFC 8301)`,
      description: '',
    };
  return { type, bits, description: `${bits}-bit RSA key${bits < 2048 ? ' (2048 bits recommended, RFC 8301)' : ''}` };
}

/**
 * Key size of an RSA key given as SubjectPublicKeyInfo (what RFC 6376 specifies) or bare RSAPublicKey (which signers
 * also publish).
 */
function rsaBits(der: Buffer): number | undefined {
  for (const type of ['spki', 'pkcs1'] as const) {
    try {
      const key = createPublicKey({ key: der, format: 'der', type });
      if (key.asymmetricKeyType === 'rsa') return key.asymmetricKeyDetails?.modulusLength;
    } catch {
      // try the next form
    }
  }
  return undefined;
}
