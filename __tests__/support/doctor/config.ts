/** Config files for doctor tests, derived from the bundled example (never a real host contacted: tests use --connect-to / a loopback DNS server). */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Json, exampleConfig } from '../stack';

export const RELAY_NAME = 'smtp.relay.test';
export const HOSTNAME = 'github.example.test';
export const SMTP_USER = 'ghes@example.test';

/** An example config with its smtp block pointed at the test relay name; `edit` changes it further. */
export function writeConfig(dir: string, name: string, edit: (c: Json) => void = () => undefined): string {
  const c = exampleConfig();
  c.hostname = HOSTNAME;
  c.hostedZone = { name: 'example.test' };
  c.smtp.address = RELAY_NAME;
  c.smtp.domain = 'example.test';
  c.smtp.username = SMTP_USER;
  c.smtp.authentication = 'login';
  c.smtp.noreplyAddress = `noreply@${HOSTNAME}`;
  edit(c);
  const path = join(dir, `${name}.json`);
  writeFileSync(path, JSON.stringify(c, null, 2));
  return path;
}
