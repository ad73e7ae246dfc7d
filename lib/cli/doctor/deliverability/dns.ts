/**
 * Shared pieces of `doctor deliverability`: TXT lookups (every answer is
 * untrusted text: bounded, never interpreted beyond the record parsers), what
 * kind of relay GHES sends through, and the zone-file form of a record for fix lines.
 */
import { LookupContext, LookupProblem, normalizeName, problemOf } from '../dns-lookup';

/**
 * What one TXT lookup found: each record's strings joined (RFC 7208 §3.3, RFC 6376 §3.6.2.2), or why there are none.
 */
export interface TxtAnswer {
  readonly records: readonly string[];
  readonly problem?: LookupProblem;
}

/**
 * A hostile zone can chain includes through fresh names forever; the RFC limit
 * (10 lookups per evaluation) bounds one evaluation, this bounds a whole run.
 */
export const MAX_QUERIES = 200;
/** Records of one name looked at; more is a broken or hostile zone, not something to read to the end. */
const MAX_RECORDS = 32;

/** What a run's views share: one cache (the SPF tree is walked more than once) and one query budget. */
interface Shared {
  readonly cache: Map<string, Promise<unknown>>;
  queries: number;
}

/**
 * Lookups of one doctor run: a cache and a budget. `withTxt` gives a view in which one name's TXT set is replaced,
 * the rest shared: how a suggested record is checked before it is printed.
 */
export class DeliverabilityDns {
  private readonly shared: Shared;

  constructor(
    public readonly ctx: LookupContext,
    shared?: Shared,
    private readonly overrides: ReadonlyMap<string, TxtAnswer> = new Map(),
  ) {
    this.shared = shared ?? { cache: new Map(), queries: 0 };
  }

  /** True once the run's query budget is spent: callers stop and say so. */
  get exhausted(): boolean {
    return this.shared.queries >= MAX_QUERIES;
  }

  /** This view with `name`'s TXT set replaced by `records` (a record not yet published). */
  withTxt(name: string, records: readonly string[]): DeliverabilityDns {
    const overrides = new Map(this.overrides);
    overrides.set(normalizeName(name), { records: [...records] });
    return new DeliverabilityDns(this.ctx, this.shared, overrides);
  }

  private once<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let hit = this.shared.cache.get(key) as Promise<T> | undefined;
    if (!hit) {
      this.shared.queries++;
      hit = fn();
      this.shared.cache.set(key, hit);
    }
    return hit;
  }

  txt(name: string): Promise<TxtAnswer> {
    const override = this.overrides.get(normalizeName(name));
    if (override) return Promise.resolve(override);
    return this.once(`TXT ${name}`, async () => {
      try {
        const chunks = await this.ctx.resolver.resolveTxt(name);
        return { records: chunks.slice(0, MAX_RECORDS).map((strings) => strings.join('')) };
      } catch (err) {
        return { records: [], problem: problemOf(err, this.ctx) };
      }
    });
  }

  /** The CNAME target of a name (no trailing dot, lower-case), or why there is none. */
  cname(name: string): Promise<{ target?: string; problem?: LookupProblem }> {
    return this.once(`CNAME ${name}`, async () => {
      try {
        const [target] = await this.ctx.resolver.resolveCname(name);
        return { target: normalizeName(target) };
      } catch (err) {
        return { problem: problemOf(err, this.ctx) };
      }
    });
  }

  addresses(name: string, family: 4 | 6): Promise<{ list: string[]; problem?: LookupProblem }> {
    return this.once(`${family === 4 ? 'A' : 'AAAA'} ${name}`, async () => {
      try {
        const list = family === 4 ? await this.ctx.resolver.resolve4(name) : await this.ctx.resolver.resolve6(name);
        return { list: list.slice(0, MAX_RECORDS) };
      } catch (err) {
        return { list: [], problem: problemOf(err, this.ctx) };
      }
    });
  }

  mx(name: string): Promise<{ list: string[]; problem?: LookupProblem }> {
    return this.once(`MX ${name}`, async () => {
      try {
        // All of them: RFC 7208 §4.6.4 makes more than 10 a permerror, so the count matters.
        return { list: (await this.ctx.resolver.resolveMx(name)).map((r) => normalizeName(r.exchange)) };
      } catch (err) {
        return { list: [], problem: problemOf(err, this.ctx) };
      }
    });
  }

  /** The PTR names of an address (its reverse name), lower-case. */
  ptr(address: string): Promise<{ list: string[]; problem?: LookupProblem }> {
    return this.once(`PTR ${address}`, async () => {
      try {
        return { list: (await this.ctx.resolver.reverse(address)).slice(0, MAX_RECORDS).map(normalizeName) };
      } catch (err) {
        return { list: [], problem: problemOf(err, this.ctx) };
      }
    });
  }
}

/** How GHES's mail leaves: the relay decides which SPF include and which DKIM records apply. */
export type Relay =
  | { readonly kind: 'ses'; readonly host: string; readonly region: string }
  | { readonly kind: 'provider'; readonly host: string; readonly provider: string; readonly include: string }
  | { readonly kind: 'other'; readonly host: string };

/** Amazon SES: the SMTP endpoint of a region (https://docs.aws.amazon.com/general/latest/gr/ses.html). */
const SES = /^email-smtp(?:-fips)?\.([a-z]{2}(?:-gov)?-[a-z]+-\d)\.amazonaws\.com$/;
/** The SPF include of SES's sending servers: SES documents it for custom MAIL FROM domains. */
export const SES_INCLUDE = 'amazonses.com';

/**
 * Relays whose submission host is not where mail leaves from: their outbound
 * servers are authorized by the provider's published include, not by the
 * addresses smtp.address resolves to.
 */
const PROVIDERS: readonly { hosts: readonly string[]; provider: string; include: string }[] = [
  {
    hosts: ['smtp.office365.com', 'smtp-mail.outlook.com'],
    provider: 'Microsoft 365',
    include: 'spf.protection.outlook.com',
  },
  { hosts: ['smtp.gmail.com', 'smtp-relay.gmail.com'], provider: 'Google Workspace', include: '_spf.google.com' },
  { hosts: ['smtp.sendgrid.net'], provider: 'SendGrid', include: 'sendgrid.net' },
  { hosts: ['smtp.mailgun.org', 'smtp.eu.mailgun.org'], provider: 'Mailgun', include: 'mailgun.org' },
];

export function classifyRelay(address: string): Relay {
  const host = normalizeName(address);
  const ses = SES.exec(host);
  if (ses) return { kind: 'ses', host, region: ses[1] };
  const known = PROVIDERS.find((p) => p.hosts.includes(host));
  if (known) return { kind: 'provider', host, provider: known.provider, include: known.include };
  return { kind: 'other', host };
}

/** Maps a domain to its organizational domain. */
export type OrgDomain = (domain: string) => string;

/**
 * The organizational domain (RFC 7489 §3.2): one label more than the domain's public suffix, from the Public Suffix
 * List (ICANN and private sections, as DMARC receivers use it) that `tldts` ships. A public suffix itself, or a name
 * the list cannot place, is its own organizational domain. Loaded on first use: `tldts` holds the whole list, which
 * no other CLI command needs.
 */
export async function loadOrgDomain(): Promise<OrgDomain> {
  const { getDomain } = await import('tldts');
  return (domain) => {
    const name = domain.toLowerCase().replace(/\.$/, '');
    return getDomain(name, { allowPrivateDomains: true }) ?? name;
  };
}

/** A TXT record as a fix line shows it, ready for a zone file or the Route53 console. */
export function txtRecord(name: string, value: string): string {
  return `${name} TXT "${value}"`;
}

/** Long untrusted text shortened for a one-line message (the JSON data keeps it whole). */
export function clip(text: string, max = 300): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}
