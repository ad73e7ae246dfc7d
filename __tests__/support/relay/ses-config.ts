/** The SES example, examples/ghes-email-ses.config.json: the bundled example relaying through SES in eu-west-1. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Json } from '../stack';

export const SES_EXAMPLE = join(__dirname, '..', '..', '..', 'examples', 'ghes-email-ses.config.json');

export function sesConfig(): Json {
  return JSON.parse(readFileSync(SES_EXAMPLE, 'utf8'));
}
