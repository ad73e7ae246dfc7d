import { SmtpSettings } from '../lib/smtp-settings';
import { SecretRef } from '../lib/secret-ref';

test('renders the port as a string', () => {
  const s = new SmtpSettings({
    address: 'smtp.example.com', domain: 'example.com', username: 'u', password: SecretRef.fromSsmParameter('/x'),
    noreplyAddress: 'noreply@example.com', support: { type: 'email', address: 'help@example.com' },
  });
  expect(s.toManagePayload().port).toBe('587');
});
