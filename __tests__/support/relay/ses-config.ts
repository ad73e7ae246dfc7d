/** The bundled example config, relaying through Amazon SES (smtp.relay.ses) in eu-west-1. */
import { Json, exampleConfig } from '../stack';

export function sesConfig(): Json {
  const c = exampleConfig();
  c.region = 'eu-west-1';
  c.smtp = {
    relay: { ses: {} },
    domain: 'github.example.com',
    noreplyAddress: 'noreply@github.example.com',
    support: { type: 'url', url: 'https://support.example.com' },
  };
  return c;
}
