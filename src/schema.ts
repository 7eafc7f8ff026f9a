/** Shared valibot helpers: run a schema and turn its first issue into a 400 naming the field. */
import * as v from 'valibot';
import { badRequest, type HttpError } from './errors.js';

/** The dotted path of the first issue (`mail.messageId`), or `(root)`. */
export function issueField(issues: readonly v.BaseIssue<unknown>[]): string {
  const first = issues[0];
  return (first && v.getDotPath(first)) || '(root)';
}

/**
 * Parses `input` with `schema`; on failure returns a 400 whose message names the field.
 * @param what what the input is, for the message ("SNS envelope", "SES event")
 */
export function parseOr400<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  reason: string,
  what: string,
): v.InferOutput<S> | HttpError {
  const result = v.safeParse(schema, input);
  if (result.success) return result.output;
  const field = issueField(result.issues);
  const issue = result.issues[0];
  const detail = issue?.received === 'undefined' ? 'is missing' : `is invalid (${issue?.message})`;
  return badRequest(reason, `${what} field "${field}" ${detail}`);
}
