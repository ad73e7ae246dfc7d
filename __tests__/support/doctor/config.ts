/**
 * Config files for doctor tests, derived from the bundled example (never a real host contacted: tests use --connect-to
 * / a loopback DNS server).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Json, exampleConfig } from '../stack';
import { ZoneRecords } from './dns-server';

export const RELAY_NAME = 'smtp.relay.test';
export const HOSTNAME = 'github.example.test';
export const SMTP_USER = 'ghes@example.test';
export const REPLY = `reply.${HOSTNAME}`;
export const LOOP = '127.0.0.1';

/** The records the stack creates with replyRecord "reply", on loopback. */
export const CORRECT: Record<string, ZoneRecords> = {
  [HOSTNAME]: { A: [LOOP] },
  [REPLY]: { A: [LOOP], MX: [[10, REPLY]] },
  [`noreply.${HOSTNAME}`]: { MX: [[10, HOSTNAME]] },
};

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
