/** The typo hint of an unknown key: a near key is named, a far one is not, and hostile keys cost nothing. */
import { closestKey, unknownKeyMessage } from '../../lib/core/unknown-key';

const KNOWN = ['address', 'port', 'password', 'passwordSecret', 'noreplyAddress', 'domain'];

test.each([
  ['pasword', 'password'], // a letter dropped
  ['passowrd', 'password'], // two letters swapped
  ['Password', 'password'], // case
  ['adress', 'address'],
  ['prt', 'port'],
  ['noreplyaddress', 'noreplyAddress'],
])('%s → %s', (key, meant) => {
  expect(closestKey(key, KNOWN)).toBe(meant);
});

test.each(['colour', 'x', 'passwordSecretKey'])('%s has no near key', (key) => {
  expect(closestKey(key, KNOWN)).toBeUndefined();
});

test('a short known key needs a close match: "port" is not a typo of "to"', () => {
  expect(closestKey('to', KNOWN)).toBeUndefined();
});

test('the message names the meant key, or asks', () => {
  expect(unknownKeyMessage('pasword', KNOWN)).toBe(
    'unknown key (did you mean "password"?); see the config reference (docs/config.md)',
  );
  expect(unknownKeyMessage('colour', KNOWN)).toBe('unknown key (a typo?); see the config reference (docs/config.md)');
});

test('a huge key is not compared (no quadratic table from hostile input)', () => {
  expect(closestKey('p'.repeat(100_000), KNOWN)).toBeUndefined();
});
