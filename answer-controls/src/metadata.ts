/**
 * What an answer cell may ask the controls to show and write, checked before anything is
 * drawn: the cell's ``metadata.cryocourse`` against the versioned JSON schema the course
 * writes it by (course/data/schemas/answer-controls.v1.json, the same file
 * course/questions/control_metadata.py validates generation with) and against the cell's own
 * question. A notebook may come from anyone, so anything else gets no controls at all.
 *
 * What is drawn is built here from checked fields only, never passed through: a choice
 * button shows its plain name (or the value it writes), Yes/No are fixed, names are plain text.
 */

import type { AnswerSpec } from './controls';
import { KEYWORDS } from './literals';
import schemaFile from '../../course/data/schemas/answer-controls.v1.json';

export const SCHEMA_VERSION = 1;
const ANSWER_SUFFIX = '_answer';

export type CellSpec = { kind: 'written' } | { item: string; answers: AnswerSpec[] };
export type Checked = { ok: true; spec: CellSpec } | { ok: false; why: string };

type Schema = { [key: string]: unknown };

function isObject(value: unknown): value is { [key: string]: unknown } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function typeOf(value: unknown): string {
  if (Array.isArray(value)) {
    return 'array';
  }
  if (value === null) {
    return 'null';
  }
  if (typeof value === 'number') {
    return Number.isInteger(value) ? 'integer' : 'number';
  }
  return typeof value;
}

/**
 * The first way ``value`` breaks ``schema`` (undefined if none), for the JSON Schema keywords
 * the course's schema uses (its description lists them); any other keyword fails closed.
 */
export function schemaProblem(value: unknown, schema: Schema, root: Schema, at = 'metadata'): string | undefined {
  for (const [keyword, rule] of Object.entries(schema)) {
    const problem = check(keyword, rule, value, schema, root, at);
    if (problem) {
      return problem;
    }
  }
  return undefined;
}

const NOTES = new Set(['$schema', '$id', 'title', 'description', '$defs']);

function check(keyword: string, rule: any, value: unknown, schema: Schema, root: Schema, at: string):
  string | undefined {
  if (NOTES.has(keyword)) {
    return undefined;
  }
  switch (keyword) {
    case '$ref': {
      const name = String(rule).replace('#/$defs/', '');
      const target = (root.$defs as { [key: string]: Schema } | undefined)?.[name];
      return target ? schemaProblem(value, target, root, at) : `${at}: unknown $ref`;
    }
    case 'type':
      return typeOf(value) === rule || (rule === 'number' && typeOf(value) === 'integer')
        ? undefined : `${at}: not a ${rule}`;
    case 'const':
      return JSON.stringify(value) === JSON.stringify(rule) ? undefined : `${at}: not ${JSON.stringify(rule)}`;
    case 'enum':
      return (rule as unknown[]).some(v => JSON.stringify(v) === JSON.stringify(value))
        ? undefined : `${at}: not one of the allowed values`;
    case 'oneOf': {
      const passing = (rule as Schema[]).filter(option => !schemaProblem(value, option, root, at));
      return passing.length === 1 ? undefined : `${at}: not one of the known forms`;
    }
    case 'required':
      return isObject(value) && (rule as string[]).some(key => !(key in value))
        ? `${at}: missing ${(rule as string[]).find(key => !(key in (value as object)))}` : undefined;
    case 'properties':
      if (isObject(value)) {
        for (const [key, sub] of Object.entries(rule as { [key: string]: Schema })) {
          if (Object.prototype.hasOwnProperty.call(value, key)) {
            const problem = schemaProblem(value[key], sub, root, `${at}/${key}`);
            if (problem) {
              return problem;
            }
          }
        }
      }
      return undefined;
    case 'additionalProperties':
      if (rule === false && isObject(value)) {
        const known = Object.keys((schema.properties as object | undefined) ?? {});
        const extra = Object.keys(value).find(key => !known.includes(key));
        return extra === undefined ? undefined : `${at}: unknown field`;
      }
      return rule === false ? undefined : `${at}: unsupported schema`;
    case 'items':
    case 'prefixItems':
      if (Array.isArray(value)) {
        for (const [index, item] of value.entries()) {
          const sub = keyword === 'items' ? rule : (rule as Schema[])[index];
          const problem = sub === undefined ? undefined : schemaProblem(item, sub, root, `${at}/${index}`);
          if (problem) {
            return problem;
          }
        }
      }
      return undefined;
    case 'minItems':
    case 'maxItems':
      return Array.isArray(value) && (keyword === 'minItems' ? value.length < rule : value.length > rule)
        ? `${at}: ${keyword === 'minItems' ? 'too few' : 'too many'} items` : undefined;
    case 'uniqueItems':
      return Array.isArray(value) && rule === true &&
        new Set(value.map(v => JSON.stringify(v))).size !== value.length ? `${at}: an item twice` : undefined;
    case 'minLength':
    case 'maxLength': {
      if (typeof value !== 'string') {
        return undefined;
      }
      const length = [...value].length; // code points, as JSON Schema counts
      return (keyword === 'minLength' ? length < rule : length > rule) ? `${at}: wrong length` : undefined;
    }
    case 'pattern':
      return typeof value === 'string' && !new RegExp(rule as string, 'u').test(value)
        ? `${at}: characters not allowed` : undefined;
    case 'minimum':
    case 'maximum':
      return typeof value === 'number' && (keyword === 'minimum' ? value < rule : value > rule)
        ? `${at}: out of range` : undefined;
    default:
      return `${at}: the schema uses ${keyword}, which this check does not know`;
  }
}

/** The schema file's rules beyond JSON Schema (course/questions/control_metadata.py `problems`). */
function questionProblem(meta: { item: string; answers: any[] }, gradeId: unknown): string | undefined {
  if (typeof gradeId !== 'string' || !(gradeId.endsWith(ANSWER_SUFFIX) ? gradeId.slice(0, -ANSWER_SUFFIX.length) === meta.item : gradeId === meta.item)) {
    return 'the answers are not those of this cell\'s question';
  }
  const names: string[] = meta.answers.map(answer => answer.name);
  if (new Set(names).size !== names.length) {
    return 'an answer name is given twice';
  }
  if (names.some(name => KEYWORDS.has(name))) {
    return 'an answer name is a Python keyword';
  }
  for (const answer of meta.answers) {
    if (answer.kind === 'number' && answer.min > answer.max) {
      return 'min is above max';
    }
    const codes = (answer.options ?? []).map((o: string | string[]) => (Array.isArray(o) ? o[0] : o));
    if (answer.kind !== 'number' && answer.kind !== 'yesno' && new Set(codes).size !== codes.length) {
      return 'a code is given twice';
    }
  }
  return undefined;
}

/** A fresh spec with the checked fields only: labels are never taken from metadata. */
function drawn(answer: any): AnswerSpec {
  switch (answer.kind) {
    case 'choice':
      return {
        name: answer.name, kind: 'choice',
        options: answer.options.map((option: string | string[]) =>
          Array.isArray(option) ? [option[0], option[1]] as [string, string] : String(option))
      };
    case 'yesno':
      return { name: answer.name, kind: 'yesno' };
    case 'number':
      return { name: answer.name, kind: 'number', unit: answer.unit, min: answer.min, max: answer.max, whole: answer.whole };
    case 'steps':
      return {
        name: answer.name, kind: 'steps', label: answer.label,
        options: answer.options.map((option: string[]) => [option[0], option[1]] as [string, string])
      };
    default:
      return {
        name: answer.name, kind: 'names', label: answer.label, allow_empty: answer.allow_empty,
        options: answer.options.map((option: string[]) => [option[0], option[1]] as [string, string])
      };
  }
}

/**
 * The controls a cell may show, from its ``metadata.cryocourse`` and its nbgrader
 * ``grade_id``. Metadata from before the version was written is read as version 1.
 */
export function checkedCellSpec(metadata: unknown, gradeId: unknown, schema: Schema = schemaFile as Schema): Checked {
  try {
    const meta = isObject(metadata) && !('schema_version' in metadata)
      ? { schema_version: SCHEMA_VERSION, ...metadata } : metadata;
    const problem = schemaProblem(meta, schema, schema);
    if (problem) {
      return { ok: false, why: problem };
    }
    const valid = meta as { kind?: string; item: string; answers: any[] };
    if (valid.kind === 'written') {
      return { ok: true, spec: { kind: 'written' } };
    }
    const wrong = questionProblem(valid, gradeId);
    if (wrong) {
      return { ok: false, why: wrong };
    }
    return { ok: true, spec: { item: valid.item, answers: valid.answers.map(drawn) } };
  } catch {
    return { ok: false, why: 'unreadable metadata' };
  }
}
