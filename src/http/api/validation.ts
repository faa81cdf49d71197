// Schema validation failures (Fastify + Ajv) said the Portico way: 400 PORTICO_BAD_INPUT with
// each field named and a message that says what to fix.

import { badInput, type FieldError, type PorticoError } from '../../errors.js';

type AjvIssue = {
  instancePath?: string;
  keyword?: string;
  message?: string;
  params?: Record<string, unknown>;
};

/** ValidationFailure is the part of a Fastify validation error this module reads. */
export type ValidationFailure = { validation: AjvIssue[]; validationContext?: string };

/** isValidationFailure returns true for an error Fastify raised because a schema did not match. */
export function isValidationFailure(err: unknown): err is ValidationFailure {
  return (
    typeof err === 'object' &&
    err !== null &&
    Array.isArray((err as { validation?: unknown }).validation)
  );
}

const fieldOf = (issue: AjvIssue, context: string | undefined): string => {
  const path = (issue.instancePath ?? '')
    .split('/')
    .filter((p) => p !== '')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  const missing = issue.params?.missingProperty;
  if (typeof missing === 'string') path.push(missing);
  const extra = issue.params?.additionalProperty;
  if (typeof extra === 'string') path.push(extra);
  return path.length > 0 ? path.join('.') : (context ?? 'body');
};

const messageOf = (issue: AjvIssue): string => {
  const p = issue.params ?? {};
  switch (issue.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a known field; check the spelling against /api/docs';
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).join(', ')}`;
    case 'type':
      return p.type === 'integer' || (Array.isArray(p.type) && p.type.includes('integer'))
        ? 'must be a whole number'
        : `must be of type ${Array.isArray(p.type) ? p.type.join(' or ') : String(p.type)}`;
    default:
      return issue.message ?? 'is not valid';
  }
};

/** validationError returns the PORTICO_BAD_INPUT error for a failed schema validation. */
export function validationError(err: ValidationFailure): PorticoError {
  const fields: FieldError[] = err.validation.map((issue) => ({
    field: fieldOf(issue, err.validationContext),
    message: messageOf(issue),
  }));
  return badInput(fields);
}
