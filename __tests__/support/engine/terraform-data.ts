/**
 * Maps a synthesized cdktf stack (the cdk.tf.json content) onto Terraform's
 * built-in `terraform_data`, so the real Terraform CLI can validate and plan it
 * without downloading the AWS provider.
 *
 * Each provider resource, data source and provider configuration becomes a
 * terraform_data whose `input` holds the same attributes. Terraform then parses and evaluates every string
 * exactly as it would for the provider (every JSON string is a template), and the
 * plan shows the values it would hand the provider. What the mapping cannot check
 * is the provider's schema: attribute names, types and required arguments.
 */
import { OutputAttrListener, rewriteReferences } from './references';
import { rewriteTemplate } from './template';

export type JsonObject = Record<string, unknown>;

export interface MappedStack {
  /** The stack as Terraform JSON on terraform_data only. */
  readonly json: JsonObject;
  /**
   * Original address (`aws_instance.x`, `data.aws_ami.y`, `provider.aws`) → mapped address
   * (`terraform_data.aws_instance__x`).
   */
  readonly addressMap: Readonly<Record<string, string>>;
}

// Meta-arguments: they configure Terraform itself, so they stay on the block (or are dropped), never in `input`.
const META_ARGUMENTS = new Set([
  'count',
  'for_each',
  'depends_on',
  'lifecycle',
  'provider',
  'provisioner',
  'connection',
]);

/**
 * The stack with every provider resource, data source and provider configuration as a terraform_data carrying the same
 * attributes.
 */
export function toTerraformData(stackJson: string | JsonObject): MappedStack {
  const stack = (typeof stackJson === 'string' ? JSON.parse(stackJson) : structuredClone(stackJson)) as JsonObject;
  const declared = new Map<string, string>();
  const addressMap: Record<string, string> = {};
  const blocks: Array<{ mapped: string; attrs: JsonObject }> = [];
  for (const [type, byName] of entries(stack.resource)) {
    for (const [name, attrs] of entries(byName)) {
      const mapped = type === 'terraform_data' ? name : `${type}__${name}`;
      if (type !== 'terraform_data') declared.set(`${type}.${name}`, mapped);
      addressMap[`${type}.${name}`] = `terraform_data.${mapped}`;
      blocks.push({ mapped, attrs: attrs as JsonObject });
    }
  }
  // Provider arguments are templates too (default tags carry config values), so each
  // provider configuration is checked the same way: `provider.aws` or `provider.aws.ALIAS`.
  for (const [type, configs] of entries(stack.provider)) {
    for (const attrs of Array.isArray(configs) ? configs : [configs]) {
      const { alias, ...rest } = attrs as JsonObject;
      const suffix = typeof alias === 'string' ? `.${alias}` : '';
      const mapped = `provider__${type}${suffix.replace('.', '__')}`;
      addressMap[`provider.${type}${suffix}`] = `terraform_data.${mapped}`;
      blocks.push({ mapped, attrs: rest });
    }
  }
  for (const [type, byName] of entries(stack.data)) {
    for (const [name, attrs] of entries(byName)) {
      const mapped = `data__${type}__${name}`;
      declared.set(`data.${type}.${name}`, mapped);
      addressMap[`data.${type}.${name}`] = `terraform_data.${mapped}`;
      blocks.push({ mapped, attrs: attrs as JsonObject });
    }
  }

  const readAttrs = new Map<string, Set<string>>();
  const onOutputAttr: OutputAttrListener = (mapped, attr) =>
    readAttrs.set(mapped, (readAttrs.get(mapped) ?? new Set()).add(attr));
  const rewriter = new ExpressionRewriter((key) => declared.get(key), onOutputAttr);

  const resources: Record<string, JsonObject> = {};
  for (const { mapped, attrs } of blocks) resources[mapped] = mapBlock(attrs, rewriter);

  const json: JsonObject = {};
  for (const [key, value] of Object.entries(stack)) {
    if (key === 'provider' || key === 'data' || key === 'resource') continue;
    if (key === 'terraform') {
      // Providers are not installed; the backend stays (run-engine.ts decides how init treats it).
      const { required_providers: _providers, ...terraform } = value as JsonObject;
      if (Object.keys(terraform).length > 0) json.terraform = terraform;
    } else if (key === 'output') {
      json.output = Object.fromEntries(entries(value).map(([name, o]) => [name, mapOutput(o as JsonObject, rewriter)]));
    } else if (key === 'locals') {
      json.locals = Object.fromEntries(entries(value).map(([name, v]) => [name, rewriter.value(v)]));
    } else {
      // `variable` (defaults and descriptions are literal, never templates), `//` metadata, and
      // anything else cdktf may add, as is.
      json[key] = value;
    }
  }
  // Last, once every expression (outputs and locals too) has been read: an attribute the provider
  // would compute is absent from `input`; a null there has dynamic type, so `output.ATTR`
  // type-checks wherever it is used (and is unknown at plan, like the real one).
  for (const [mapped, attrs] of readAttrs) {
    const input = resources[mapped].input as JsonObject;
    for (const attr of attrs) if (!(attr in input)) input[attr] = null;
  }
  if (blocks.length > 0) json.resource = { terraform_data: resources };
  return { json, addressMap };
}

/** Rewrites references in every template of a value; literal text is kept byte for byte. */
class ExpressionRewriter {
  constructor(
    private readonly lookup: (key: string) => string | undefined,
    private readonly onOutputAttr: OutputAttrListener,
  ) {}

  /** One expression code fragment. */
  code(code: string): string {
    return rewriteReferences(code, this.lookup, this.onOutputAttr);
  }

  /** A JSON value in an expression position: strings and object keys are templates. */
  value(v: unknown): unknown {
    if (typeof v === 'string') return rewriteTemplate(v, (code) => this.code(code));
    if (Array.isArray(v)) return v.map((x) => this.value(x));
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [this.value(k) as string, this.value(x)]));
    }
    return v;
  }

  /** depends_on: cdktf writes bare traversals ("aws_x.y"), which are not templates. */
  dependsOn(v: unknown): unknown {
    if (!Array.isArray(v)) return v;
    return v.map((d) => (typeof d !== 'string' ? d : d.includes('${') ? this.value(d) : this.code(d)));
  }
}

/** A resource or data source block as a terraform_data block. */
function mapBlock(attrs: JsonObject, rewriter: ExpressionRewriter): JsonObject {
  const input: JsonObject = {};
  const block: JsonObject = { input };
  for (const [key, value] of Object.entries(attrs)) {
    if (key === '//')
      block[key] = value; // cdktf metadata: a JSON comment at block level
    else if (key === 'count' || key === 'for_each') block[key] = rewriter.value(value);
    else if (key === 'depends_on') block[key] = rewriter.dependsOn(value);
    else if (key === 'lifecycle') Object.assign(block, mapLifecycle(value as JsonObject, rewriter));
    else if (!META_ARGUMENTS.has(key)) input[key] = rewriter.value(value); // attribute names are not templates: kept
  }
  return block;
}

/**
 * create_before_destroy as is; ignore_changes now points into `input`; preconditions and postconditions are
 * expressions Terraform evaluates at plan, so they stay, rewritten; the rest is not meaningful here.
 */
function mapLifecycle(lifecycle: JsonObject, rewriter: ExpressionRewriter): JsonObject {
  const mapped: JsonObject = {};
  for (const key of ['precondition', 'postcondition'])
    if (key in lifecycle) mapped[key] = rewriter.value(lifecycle[key]);
  if ('create_before_destroy' in lifecycle) mapped.create_before_destroy = lifecycle.create_before_destroy;
  const ignore = lifecycle.ignore_changes;
  if (ignore === 'all') mapped.ignore_changes = ignore;
  else if (Array.isArray(ignore)) mapped.ignore_changes = ignore.map((x) => (x === 'all' ? x : `input.${x}`));
  return Object.keys(mapped).length > 0 ? { lifecycle: mapped } : {};
}

/** Only `value`, `depends_on` and `precondition` are expressions; descriptions are literal text. */
function mapOutput(output: JsonObject, rewriter: ExpressionRewriter): JsonObject {
  const mapped: JsonObject = { ...output };
  if ('value' in output) mapped.value = rewriter.value(output.value);
  if ('depends_on' in output) mapped.depends_on = rewriter.dependsOn(output.depends_on);
  if ('precondition' in output) mapped.precondition = rewriter.value(output.precondition);
  return mapped;
}

function entries(v: unknown): Array<[string, unknown]> {
  return v !== null && typeof v === 'object' ? Object.entries(v) : [];
}
