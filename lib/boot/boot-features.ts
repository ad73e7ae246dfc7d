/**
 * Parts of the boot script that only some configs use, cut out of the user data of the others (issue 18: the SES
 * example kept 203 of EC2's 16,384 bytes). A part sits between two full-line comments in ghes-email-boot.sh:
 *
 *     # @@ONLY initialize@@
 *     …lines that run only with managementConsole.initialize…
 *     # @@END initialize@@
 *
 * A part is dead code when its feature is off (the script still checks the setting at run time), so the bare template,
 * every part in, stays a correct script: shellcheck lints it, and cutting a part changes no behaviour.
 */
/** What a part of the script is for: the setting that makes it live. */
export type BootFeature =
  /** managementConsole.initialize: config/init with the license (read as a binary secret). */
  | 'initialize'
  /** A secret reference to an SSM parameter: GetParameter. */
  | 'ssm'
  /** A SecretRef.unsafePlainText reference: read from the user data itself. */
  | 'plaintext'
  /** smtp.enforceTls: the "Enforce TLS auth" step the operator takes by hand. */
  | 'enforceTls'
  /** Never rendered: checks that only the bare template can fail (no settings, a kind render() never writes). */
  | 'template';

export const BOOT_FEATURES: readonly BootFeature[] = ['initialize', 'ssm', 'plaintext', 'enforceTls', 'template'];

const MARK = /^\s*# @@(ONLY|END) ([^@\s]+)@@\s*$/;

/**
 * The script with the parts of the features not in `keep` cut out, and every marker line dropped. Throws on a
 * marker that is unknown, nested or unbalanced: that is a mistake in the template, not in a config.
 */
export function cutFeatures(script: string, keep: ReadonlySet<BootFeature>): string {
  const out: string[] = [];
  let open: { feature: BootFeature; line: number } | undefined;
  script.split('\n').forEach((line, i) => {
    const m = MARK.exec(line);
    if (!m && /@@(ONLY|END)\b/.test(line)) throw new Error(`boot script line ${i + 1}: not a marker: ${line.trim()}`);
    if (!m) {
      if (!open || keep.has(open.feature)) out.push(line);
      return;
    }
    const [, kind, name] = m;
    const feature = BOOT_FEATURES.find((f) => f === name);
    const where = `boot script line ${i + 1}`;
    if (!feature) throw new Error(`${where}: unknown feature '${name}' (known: ${BOOT_FEATURES.join(', ')})`);
    if (kind === 'ONLY') {
      if (open) throw new Error(`${where}: '${name}' opens inside '${open.feature}' (line ${open.line}): no nesting`);
      open = { feature, line: i + 1 };
    } else {
      if (open?.feature !== feature) throw new Error(`${where}: END ${name} closes ${open?.feature ?? 'nothing'}`);
      open = undefined;
    }
  });
  if (open) throw new Error(`boot script line ${open.line}: '${open.feature}' is never closed`);
  return out.join('\n');
}
