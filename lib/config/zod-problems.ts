/**
 * The config file's shape problems, from zod's issues: one problem per issue with its dotted path, an unknown key
 * named with the key it was probably meant to be (the schema's keys at that path).
 */
import {
  ZodArray,
  ZodDiscriminatedUnion,
  ZodIssue,
  ZodNullable,
  ZodObject,
  ZodOptional,
  ZodTypeAny,
  ZodUnion,
} from 'zod';
import { Problem, joinPath } from '../core/problems';
import { unknownKeyMessage } from '../core/unknown-key';
import { configSchema } from './config-schema';

/** One problem per zod issue; unknown keys become one problem per key. */
export function issueToProblems(issue: ZodIssue): Problem[] {
  const path = issue.path.reduce<string>((acc, k) => joinPath(acc, k), '') || '(root)';
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((k) => ({
        path: joinPath(path === '(root)' ? '' : path, k),
        message: unknownKeyMessage(k, knownKeysAt(configSchema, issue.path)),
      }));
    case 'invalid_type':
      return [
        {
          path,
          message:
            issue.received === 'undefined'
              ? `required (${issue.expected})`
              : `got a ${issue.received}; expected ${issue.expected}`,
        },
      ];
    case 'invalid_union': {
      // `true` or an object (monitoring.port25): an object is judged by the object branch alone, so a typo'd key is
      // named.
      const typed = issue.unionErrors.find(
        (e) => !e.issues.some((i) => i.code === 'invalid_type' && i.path.length === issue.path.length),
      );
      if (typed) return typed.issues.flatMap(issueToProblems);
      if (issue.path[0] === 'monitoring')
        return [{ path, message: 'expected true, false or an object of options; see the README config reference' }];
      // Otherwise smtp.extraSettings values.
      return [{ path, message: 'expected a string, number or boolean (a scalar Manage API value)' }];
    }
    case 'invalid_union_discriminator':
      return [{ path, message: `expected one of ${issue.options.map((o) => JSON.stringify(o)).join(', ')}` }];
    default:
      return [{ path, message: issue.message }];
  }
}

/** The keys the schema knows for the object at `path` (every object branch of a union). */
function knownKeysAt(schema: ZodTypeAny, path: readonly (string | number)[]): string[] {
  if (schema instanceof ZodOptional || schema instanceof ZodNullable)
    return knownKeysAt(schema.unwrap() as ZodTypeAny, path);
  if (schema instanceof ZodUnion || schema instanceof ZodDiscriminatedUnion) {
    const options = schema.options as readonly ZodTypeAny[];
    return [...new Set(options.flatMap((o) => knownKeysAt(o, path)))];
  }
  if (schema instanceof ZodArray)
    return path.length > 0 ? knownKeysAt(schema.element as ZodTypeAny, path.slice(1)) : [];
  if (!(schema instanceof ZodObject)) return [];
  const shape = schema.shape as Record<string, ZodTypeAny>;
  if (path.length === 0) return Object.keys(shape);
  const next = shape[String(path[0])];
  return next === undefined ? [] : knownKeysAt(next, path.slice(1));
}
