/**
 * Runs a synthesized stack through the real Terraform CLI, offline: the stack is
 * mapped onto terraform_data (terraform-data.ts), then `init`, a saved `plan` +
 * `show -json` (or `validate` when plan is off or fails) run in a fresh temporary directory.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandResult, requireTerraform, run, terraformEnv } from './terraform-cli';
import { JsonObject, MappedStack, toTerraformData } from './terraform-data';
import type { Json } from '../stack';

export interface EngineOptions {
  /** Values for the stack's variables, passed with -var-file. @default - none */
  readonly vars?: Record<string, unknown>;
  /** Also plan (and show the plan). @default true */
  readonly plan?: boolean;
  /** Where `terraform` is looked up (PATH) and the base of its environment. @default process.env */
  readonly env?: NodeJS.ProcessEnv;
}

export interface EngineDiagnostic {
  readonly stage: 'validate' | 'plan';
  readonly severity: string;
  readonly summary: string;
  readonly detail: string;
  /** The original address (`aws_instance.x`, `output.y`) the diagnostic is about, when Terraform names one. */
  readonly address?: string;
}

export interface EngineResult {
  /** The configuration is valid: plan succeeded (it validates first), or `terraform validate` accepted it. */
  readonly valid: boolean;
  /** Every diagnostic of plan, or of validate (and plan) when plan was off or failed. */
  readonly diagnostics: readonly EngineDiagnostic[];
  /** The error diagnostics only: `[]` means Terraform accepts the stack. */
  readonly errors: readonly EngineDiagnostic[];
  /** The planned `input` (the original attributes, as Terraform evaluated them) of one resource instance. */
  planned(address: string): JsonObject;
  /** The planned inputs of every instance of a count/for_each resource, by index key. */
  instances(address: string): Map<string | number, JsonObject>;
  /** Planned values of the outputs known at plan time. */
  readonly outputs: Readonly<Record<string, unknown>>;
  /** Outputs whose value is known only after apply. */
  readonly unknownOutputs: readonly string[];
  /**
   * The S3 backend `key` as Terraform decodes it. The S3 backend cannot initialize offline,
   * so a local backend whose `path` is that key is initialized in its place: Terraform
   * decodes every backend argument the same way (JSON strings there are not templates).
   */
  readonly backendKey?: string;
  /** `terraform show -json` of the saved plan; undefined when validate or plan failed or plan was off. */
  readonly plan?: JsonObject;
  readonly mapped: MappedStack;
}

interface PlannedResource {
  address: string;
  index?: string | number;
  values: { input?: JsonObject };
}

/** Validates (and by default plans) a stack's JSON with the real Terraform CLI. */
export async function engineCheck(stackJson: string | JsonObject, opts: EngineOptions = {}): Promise<EngineResult> {
  const mapped = toTerraformData(stackJson);
  const dir = await mkdtemp(join(tmpdir(), 'ghes-email-engine-'));
  try {
    await writeFile(join(dir, 'cli.tfrc'), '');
    const env = terraformEnv(opts.env ?? process.env, join(dir, 'cli.tfrc'));
    const terraform = await requireTerraform(env);
    const tf = async (args: string[], okCodes: number[] = [0]): Promise<CommandResult> => {
      const result = await run(terraform, args, dir, env);
      if (!okCodes.includes(result.code)) {
        throw new Error(
          `terraform ${args.join(' ')} failed (exit ${result.code}) in ${dir}:\n${result.stderr}${result.stdout}`,
        );
      }
      return result;
    };

    await writeFile(join(dir, 'main.tf.json'), JSON.stringify(mapped.json, null, 1));
    const backend = (mapped.json.terraform as JsonObject | undefined)?.backend as
      Record<string, JsonObject> | undefined;
    if (backend === undefined) {
      await tf(['init', '-backend=false', '-input=false', '-no-color']);
    } else {
      // plan needs an initialized backend; only a local one initializes offline (an override file replaces the block).
      const path = backend.s3?.key;
      await writeFile(
        join(dir, 'engine_override.tf.json'),
        JSON.stringify({ terraform: { backend: { local: path === undefined ? {} : { path } } } }),
      );
      await tf(['init', '-input=false', '-no-color']);
    }
    const backendKey = backend?.s3 === undefined ? undefined : await decodedBackendPath(dir);

    const planArgs = ['plan', '-input=false', '-lock=false', '-no-color', '-json', '-out=plan.bin'];
    if (opts.vars !== undefined) {
      await writeFile(join(dir, 'engine.tfvars.json'), JSON.stringify(opts.vars));
      planArgs.push('-var-file=engine.tfvars.json');
    }
    // plan validates the configuration before it plans (the same checks as `terraform validate`), so a
    // plan that succeeds proves the stack valid: validate runs on its own only when plan is off or fails,
    // to tell an invalid configuration apart from a failed plan. (One process fewer per stack: ~25% of
    // the engine's CPU in npm test.)
    const reverse = new Map(Object.entries(mapped.addressMap).map(([original, to]) => [to, original]));
    const planRun = opts.plan === false ? undefined : await tf(planArgs, [0, 1]);
    const planDiagnostics = (planRun?.stdout ?? '')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { type?: string; diagnostic?: RawDiagnostic })
      .flatMap((m) => (m.type === 'diagnostic' && m.diagnostic ? [diagnostic('plan', m.diagnostic, reverse)] : []));
    if (planRun?.code === 0) {
      const plan = parseJson<JsonObject>('show', await tf(['show', '-json', '-no-color', 'plan.bin']));
      return result(mapped, true, planDiagnostics, plan, backendKey);
    }
    const validation = parseJson<{ valid: boolean; diagnostics: RawDiagnostic[] }>(
      'validate',
      await tf(['validate', '-json', '-no-color'], [0, 1]),
    );
    const diagnostics = validation.diagnostics.map((d) => diagnostic('validate', d, reverse));
    // When validate fails, plan reported the same errors again: they are left out.
    if (validation.valid && planRun !== undefined) {
      diagnostics.push(...planDiagnostics);
      if (!planDiagnostics.some((d) => d.severity === 'error')) {
        throw new Error(`terraform plan failed (exit ${planRun.code}) without a diagnostic:\n${planRun.stderr}`);
      }
    }
    return result(mapped, validation.valid, diagnostics, undefined, backendKey);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * engineCheck started ahead of the tests that await it (in a beforeAll): a failure is reported by
 * those tests rather than as an unhandled rejection.
 */
export function engineCheckAhead(stackJson: string | JsonObject, opts: EngineOptions = {}): Promise<EngineResult> {
  const result = engineCheck(stackJson, opts);
  result.catch(() => undefined);
  return result;
}

/** Each error diagnostic as one line, "stage address: summary: detail" (detail cut at 200), for `toEqual([])`. */
export function errorLines(r: EngineResult): string[] {
  return r.errors.map((e) => `${e.stage} ${e.address ?? ''}: ${e.summary}: ${e.detail.slice(0, 200)}`);
}

/** Planned inputs of every resource of one type, in address order. */
export function plannedOfType(r: EngineResult, type: string): Json[] {
  return Object.keys(r.mapped.addressMap)
    .filter((a) => a.startsWith(`${type}.`))
    .sort()
    .map((a) => r.planned(a));
}

function parseJson<T>(command: string, run: CommandResult): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(
      `terraform ${command} printed no JSON (exit ${run.code}):\n${run.stderr}${run.stdout.slice(0, 2000)}`,
    );
  }
}

interface RawDiagnostic {
  severity: string;
  summary: string;
  detail?: string;
  address?: string;
  snippet?: { context?: string | null };
}

function diagnostic(
  stage: EngineDiagnostic['stage'],
  d: RawDiagnostic,
  reverse: Map<string, string>,
): EngineDiagnostic {
  // In JSON files Terraform names the enclosing block in the snippet context: "resource.terraform_data.x.input".
  const context = /^(?:resource\.(terraform_data\.[^.]+)|(output\.[^.]+))/.exec(d.snippet?.context ?? '');
  const mappedAddress = d.address ?? context?.[1] ?? context?.[2];
  const address =
    mappedAddress === undefined ? undefined : (reverse.get(mappedAddress.replace(/\[.*$/, '')) ?? mappedAddress);
  return {
    stage,
    severity: d.severity,
    summary: d.summary,
    detail: d.detail ?? '',
    ...(address === undefined ? {} : { address }),
  };
}

async function decodedBackendPath(dir: string): Promise<string | undefined> {
  const state = JSON.parse(await readFile(join(dir, '.terraform', 'terraform.tfstate'), 'utf8')) as {
    backend?: { config?: { path?: string } };
  };
  return state.backend?.config?.path;
}

function result(
  mapped: MappedStack,
  valid: boolean,
  diagnostics: EngineDiagnostic[],
  plan: JsonObject | undefined,
  backendKey: string | undefined,
): EngineResult {
  const planned =
    ((plan?.planned_values as JsonObject | undefined)?.root_module as { resources?: PlannedResource[] } | undefined)
      ?.resources ?? [];
  const mappedAddress = (address: string): string => {
    const to = mapped.addressMap[address];
    if (to === undefined)
      throw new Error(
        `${address} is not a resource or data source of this stack; it has: ${Object.keys(mapped.addressMap).join(', ')}`,
      );
    return to;
  };
  const requirePlan = (): void => {
    if (plan !== undefined) return;
    const counts = new Map<string, number>();
    for (const d of diagnostics) if (d.severity === 'error') counts.set(d.summary, (counts.get(d.summary) ?? 0) + 1);
    const summary = [...counts].map(([s, n]) => `${s} ×${n}`).join('; ');
    throw new Error(`no plan: ${summary === '' ? 'plan was off' : summary}`);
  };
  const outputs: Record<string, unknown> = {};
  const unknownOutputs: string[] = [];
  for (const [name, o] of Object.entries(
    ((plan?.planned_values as JsonObject | undefined)?.outputs ?? {}) as Record<string, { value?: unknown }>,
  )) {
    if ('value' in o) outputs[name] = o.value;
    else unknownOutputs.push(name);
  }
  return {
    valid,
    diagnostics,
    errors: diagnostics.filter((d) => d.severity === 'error'),
    planned(address) {
      requirePlan();
      // Accepts `aws_x.y` and an instance `aws_x.y["k"]` / `aws_x.y[0]`.
      const [, base, index = ''] = /^(.*?)(\[.*\])?$/.exec(address)!;
      const wanted = mappedAddress(base) + index;
      const found = planned.find((r) => r.address === wanted);
      if (found === undefined) throw new Error(`${address} (${wanted}) is not in the plan`);
      return found.values.input ?? {};
    },
    instances(address) {
      requirePlan();
      const base = mappedAddress(address);
      return new Map(
        planned
          .filter((r) => r.address.replace(/\[.*$/, '') === base)
          .map((r) => [r.index ?? '', r.values.input ?? {}]),
      );
    },
    outputs,
    unknownOutputs,
    ...(backendKey === undefined ? {} : { backendKey }),
    ...(plan === undefined ? {} : { plan }),
    mapped,
  };
}
