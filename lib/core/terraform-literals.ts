/**
 * Terraform reads every string in `cdk.tf.json` as a template: `${…}` is
 * evaluated and `%{…}` is a directive, in attribute values and in object keys
 * alike (https://developer.hashicorp.com/terraform/language/syntax/json#expression-mapping).
 * A boot script full of bash `${VAR:-x}`, or a config value such as
 * "${path.cwd}", must reach Terraform verbatim. This file is the one place that
 * makes it so: every construct of the library extends `GhesConstruct`, whose
 * aspect escapes the literal parts of every string its Terraform elements
 * synthesize where Terraform evaluates templates, while cdktf tokens
 * (references, functions) stay expressions.
 */
import {
  Annotations,
  Aspects,
  IAspect,
  TerraformBackend,
  TerraformElement,
  TerraformOutput,
  TerraformStack,
} from 'cdktf';
import { Construct, IConstruct } from 'constructs';

/**
 * A cdktf token inside a string, as cdktf encodes it before resolution:
 * `${TfToken[TOKEN.12]}` (string), `#{TfToken[…]}` (list), `&{TfToken[…]}` (map).
 * Key characters are cdktf's VALID_KEY_CHARS; the pattern has no nested
 * quantifiers, so matching is linear in the string length.
 */
const TOKEN = /[$#&]\{TfToken\[[a-zA-Z0-9:._-]+\]\}/g;

/** `${` → `$${` and `%{` → `%%{`: Terraform's own escapes for a literal `${` / `%{`. */
export function escapeTemplateText(text: string): string {
  return text.replace(/([$%])\{/g, '$1$1{');
}

/**
 * Escapes the literal parts of a string that may hold cdktf tokens. A literal
 * `$` right before a token would turn the token's `${` into the escape `$${`,
 * so each `$` of a run that ends at a token is written as the expression `${"$"}`.
 */
export function escapeLiteralString(value: string): string {
  let out = '';
  let last = 0;
  for (const match of value.matchAll(TOKEN)) {
    let literal = escapeTemplateText(value.slice(last, match.index));
    if (match[0].startsWith('$')) {
      let run = 0;
      while (run < literal.length && literal[literal.length - 1 - run] === '$') run++;
      literal = literal.slice(0, literal.length - run) + '${"$"}'.repeat(run);
    }
    out += literal + match[0];
    last = match.index + match[0].length;
  }
  return out + escapeTemplateText(value.slice(last));
}

/** Escapes every string and object key in a synthesized fragment (numbers, booleans and tokens pass through). */
export function escapeLiterals(value: unknown): unknown {
  if (typeof value === 'string') return escapeLiteralString(value);
  if (Array.isArray(value)) return value.map(escapeLiterals);
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) out[escapeLiteralString(key)] = escapeLiterals(v);
    return out;
  }
  // Unresolved IResolvable objects and class instances resolve later, to expressions.
  return value;
}

const ESCAPED = Symbol.for('ghes-email.literal-strings');

/**
 * What Terraform evaluates as a template in one element's JSON. Backend
 * arguments and output descriptions are read as plain text (HCL decodes them
 * without an evaluation context), so escaping them would change them: a
 * backend is left alone, and of an output only `value` is escaped.
 */
function escapeElement(element: TerraformElement, json: Record<string, unknown>): Record<string, unknown> {
  if (element instanceof TerraformBackend) return json;
  if (element instanceof TerraformOutput) {
    const output: Record<string, unknown> = {};
    const blocks = (json.output ?? {}) as Record<string, Record<string, unknown>>;
    for (const [name, block] of Object.entries(blocks)) output[name] = { ...block, value: escapeLiterals(block.value) };
    return { ...json, output };
  }
  return escapeLiterals(json) as Record<string, unknown>;
}

/**
 * cdktf's HCL output (`cdktf synth --hcl`, SYNTH_HCL_OUTPUT=true) is rendered by another method than the JSON, and
 * writes strings as they are (a `"` next to a `${` is not even escaped): an element whose literal text needs escaping
 * cannot be written as HCL, and synth stops with this error instead of writing a deploy that fails, or one that
 * evaluates the text. An element with nothing to escape (a DNS record, a security group) is left alone.
 */
export const HCL_OUTPUT_ERROR =
  'ghes-email: this element holds text that Terraform would read as a template (${…} or %{…}: a bash ' +
  "variable in the boot script, a config value); cdktf's HCL output writes it unescaped, so a deploy would fail or " +
  'evaluate it. Synthesize JSON, the default: drop --hcl (or SYNTH_HCL_OUTPUT)';

/**
 * Whether the stack of `node` is rendered as HCL. cdktf decides it from SYNTH_HCL_OUTPUT ("true" or "1"; `cdktf synth
 * --hcl` sets it) when the stack is made, and keeps it on the stack's synthesizer; App's own hclOutput only names the
 * file.
 */
function writesHcl(node: IConstruct): boolean {
  let hcl: unknown;
  try {
    hcl = (TerraformStack.of(node).synthesizer as { hclOutput?: unknown }).hclOutput;
  } catch {
    return false; // Not in a stack: nothing is synthesized.
  }
  if (typeof hcl === 'boolean') return hcl;
  // An engine whose synthesizer does not say: its switch, as cdktf reads it.
  return process.env.SYNTH_HCL_OUTPUT === 'true' || process.env.SYNTH_HCL_OUTPUT === '1';
}

/** Wraps each Terraform element's JSON synthesis so its literal strings are escaped. Idempotent. */
class LiteralStrings implements IAspect {
  visit(node: IConstruct): void {
    if (!(node instanceof TerraformElement)) return;
    const element = node as TerraformElement & { [ESCAPED]?: true };
    if (element[ESCAPED]) return;
    element[ESCAPED] = true;
    const toTerraform = element.toTerraform.bind(element);
    element.toTerraform = () => escapeElement(element, toTerraform() as Record<string, unknown>);
    if (writesHcl(element)) {
      const json = toTerraform() as Record<string, unknown>;
      if (JSON.stringify(escapeElement(element, json)) !== JSON.stringify(json))
        Annotations.of(element).addError(HCL_OUTPUT_ERROR);
    }
  }
}

/** One instance, so cdktf runs it once per node however many constructs add it. */
const LITERAL_STRINGS = new LiteralStrings();

/** Makes the literal strings of every Terraform element under `scope` reach Terraform verbatim. */
export function keepLiteralsVerbatim(scope: IConstruct): void {
  Aspects.of(scope).add(LITERAL_STRINGS);
}

/**
 * Base of every construct in this library: what it synthesizes says exactly
 * what its props said. A raw "${…}" string given as a prop is a literal too;
 * pass cdktf tokens (resource attributes, TerraformVariable values, Fn calls)
 * for Terraform expressions.
 */
export abstract class GhesConstruct extends Construct {
  constructor(scope: Construct, id: string) {
    super(scope, id);
    keepLiteralsVerbatim(this);
  }
}
