/** The problems a rejected input reports, for tests that assert paths and messages. */
import { ConfigError, parseConfig } from '../../lib/config/config';
import { Problem, ValidationError } from '../../lib/core/problems';

/** What `fn` throws as a ValidationError; fails the test when it does not throw one. */
export function problems(fn: () => unknown): Problem[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ValidationError);
    return [...(err as ValidationError).problems];
  }
  throw new Error('expected a ValidationError');
}

/** What parseConfig reports for `config`; fails the test when the config is accepted. */
export function problemsOf(config: unknown): Problem[] {
  try {
    parseConfig(config);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return [...(err as ConfigError).problems];
  }
  throw new Error('expected the config to be rejected');
}
