/**
 * One answer control per answer variable, built from the answer's kind as the course
 * declares it (cell metadata ``cryocourse`` written when the lesson was generated):
 * choice -> buttons, yesno -> Yes/No, number -> a number box with its unit, names -> a
 * searchable checklist, steps -> an ordered-steps list (steps.ts). Native form elements, so
 * keyboards and screen readers work.
 */

import { Value } from './literals';
import { readNumber } from './numbers';
import { stepsControl } from './steps';

export interface AnswerSpec {
  name: string;
  kind: 'choice' | 'yesno' | 'number' | 'names' | 'steps';
  options?: Array<string | [string, string]>;
  unit?: string;
  min?: number;
  max?: number;
  whole?: boolean;
  label?: string;
  allow_empty?: boolean;
}

export interface Control {
  node: HTMLElement;
  /** Show a value typed in the cell (no change event is sent). */
  show(value: Value | undefined): void;
}

type Pick = (value: Value) => void;

let counter = 0;

function uid(prefix: string): string {
  counter += 1;
  return `cryo-${prefix}-${counter}`;
}

/** "case01_findings" -> "case01 findings" (what the question calls it). */
export function spoken(name: string): string {
  return name.replace(/_/g, ' ');
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className = '',
  text = ''
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) {
    node.className = className;
  }
  if (text) {
    node.textContent = text;
  }
  return node;
}

function fieldset(spec: AnswerSpec, hint: string): [HTMLFieldSetElement, HTMLElement] {
  const set = element('fieldset', 'cryo-answer');
  const legend = element('legend', 'cryo-answer-legend');
  legend.append(element('span', '', 'Your answer: '), element('code', '', spoken(spec.name)));
  if (hint) {
    legend.append(element('span', 'cryo-answer-hint', ` (${hint})`));
  }
  set.append(legend);
  const body = element('div', 'cryo-answer-body');
  set.append(body);
  return [set, body];
}

function radios(
  spec: AnswerSpec,
  hint: string,
  options: Array<[Value, string]>,
  pick: Pick
): Control {
  const [set, body] = fieldset(spec, hint);
  const group = uid(spec.name);
  // An arrow key moves the selection over every option in turn: the option it stops on is
  // written (and run) once, when the trainee presses Enter or Space or leaves the group,
  // never each option passed over. A click or Space writes at once.
  let arrowed = false;
  let pending: { value: Value } | undefined;
  const commit = (): void => {
    if (pending !== undefined) {
      const { value } = pending;
      pending = undefined;
      pick(value);
    }
  };
  body.addEventListener('keydown', event => {
    if (event.key.startsWith('Arrow')) {
      arrowed = true;
    } else if (event.key === 'Enter' || event.key === ' ') {
      if (pending !== undefined) {
        event.preventDefault();
        commit();
      }
    }
  });
  body.addEventListener('keyup', () => (arrowed = false));
  body.addEventListener('pointerdown', () => (arrowed = false));
  set.addEventListener('focusout', event => {
    if (!set.contains(event.relatedTarget as Node | null)) {
      commit();
    }
  });
  const inputs = options.map(([value, text]) => {
    const label = element('label', 'cryo-choice');
    const input = element('input');
    input.type = 'radio';
    input.name = group;
    input.value = String(value);
    input.addEventListener('change', () => {
      if (!input.checked) {
        return;
      }
      if (arrowed) {
        arrowed = false;
        pending = { value };
        return;
      }
      pending = undefined;
      pick(value);
    });
    label.append(input, element('span', '', text));
    body.append(label);
    return { input, value };
  });
  return {
    node: set,
    show(value) {
      if (pending !== undefined) {
        return; // an option reached by the arrow keys, not yet written: keep it shown
      }
      for (const option of inputs) {
        option.input.checked = value !== undefined && value === option.value;
      }
    }
  };
}

function numberBox(spec: AnswerSpec, pick: Pick): Control {
  const [set, body] = fieldset(spec, spec.whole ? 'a whole number' : 'a number');
  const label = element('label', 'cryo-number');
  const input = element('input');
  // A text box, not type=number: Chromium drops a decimal comma or a unit without a word.
  input.type = 'text';
  input.inputMode = 'decimal';
  input.autocomplete = 'off';
  input.setAttribute('aria-label', `${spoken(spec.name)} in ${spec.unit ?? ''}`);
  const note = element('p', 'cryo-number-note');
  note.id = uid('note');
  note.setAttribute('role', 'status');
  input.setAttribute('aria-describedby', note.id);
  label.append(input, element('span', 'cryo-unit', spec.unit ?? ''));
  body.append(label, note);
  let written: Value | undefined;
  let readText: string | undefined;
  const read = (): void => {
    if (input.value === readText) {
      return; // Enter, then the change event on leaving the box: read once
    }
    readText = input.value;
    const reading = readNumber(input.value, spec.unit ?? '');
    if ('problem' in reading) {
      input.setAttribute('aria-invalid', 'true');
      note.classList.add('cryo-number-problem');
      note.textContent = `Not written in the cell: ${reading.problem}`;
      return;
    }
    input.removeAttribute('aria-invalid');
    note.classList.remove('cryo-number-problem');
    note.textContent = reading.note;
    written = reading.value;
    pick(reading.value);
  };
  input.addEventListener('change', read);
  input.addEventListener('keydown', event => {
    if (event.key === 'Enter') {
      read();
    }
  });
  return {
    node: set,
    show(value) {
      if (value === written && input.value.trim() !== '') {
        return; // what the box read and wrote: keep the trainee's own spelling ("0,5")
      }
      written = value;
      input.value = typeof value === 'number' ? String(value) : '';
      readText = input.value;
      input.removeAttribute('aria-invalid');
      note.classList.remove('cryo-number-problem');
      note.textContent = '';
    }
  };
}

function checklist(spec: AnswerSpec, pick: Pick): Control {
  const what = spec.label ?? 'name';
  const [set, body] = fieldset(spec, `tick every ${what} that applies`);
  const search = element('input', 'cryo-search');
  search.type = 'search';
  search.placeholder = `type to find a ${what}`;
  search.setAttribute('aria-label', `Find a ${what} in the list`);
  const list = element('div', 'cryo-checklist');
  list.setAttribute('role', 'group');
  list.setAttribute('aria-label', `${spoken(spec.name)}: ${what}s`);
  const boxes: Array<{ code: string; input: HTMLInputElement; row: HTMLElement; text: string }> =
    [];
  let none: HTMLInputElement | undefined;
  const current = (): string[] => boxes.filter(box => box.input.checked).map(box => box.code);
  if (spec.allow_empty) {
    const row = element('label', 'cryo-check cryo-check-none');
    none = element('input');
    none.type = 'checkbox';
    row.append(none, element('span', '', `none: no ${what} applies`));
    list.append(row);
    none.addEventListener('change', () => {
      if (none!.checked) {
        boxes.forEach(box => (box.input.checked = false));
        pick([]);
      } else {
        pick(current().length ? current() : null);
      }
    });
  }
  for (const option of spec.options ?? []) {
    const [code, text] = Array.isArray(option) ? option : [option, option];
    const row = element('label', 'cryo-check');
    const input = element('input');
    input.type = 'checkbox';
    input.value = code;
    row.append(input, element('span', '', text));
    list.append(row);
    boxes.push({ code, input, row, text: `${text} ${code}`.toLowerCase() });
    input.addEventListener('change', () => {
      if (none) {
        none.checked = false;
      }
      const ticked = current();
      pick(ticked.length ? ticked : null);
    });
  }
  search.addEventListener('input', () => {
    const needle = search.value.trim().toLowerCase();
    for (const box of boxes) {
      box.row.style.display = !needle || box.text.includes(needle) ? '' : 'none';
    }
  });
  body.append(search, list);
  return {
    node: set,
    show(value) {
      const ticked = Array.isArray(value) ? value : [];
      for (const box of boxes) {
        box.input.checked = ticked.includes(box.code);
      }
      if (none) {
        none.checked = Array.isArray(value) && value.length === 0;
      }
    }
  };
}

/** The control for one answer; ``pick`` receives each value the trainee picks. */
export function control(spec: AnswerSpec, pick: Pick): Control {
  switch (spec.kind) {
    case 'choice':
      return radios(
        spec,
        'pick one',
        (spec.options ?? []).map(option =>
          Array.isArray(option) ? [option[0], option[1]] : [option, option]
        ),
        pick
      );
    case 'yesno':
      return radios(spec, 'yes or no', [
        [true, 'Yes (True)'],
        [false, 'No (False)']
      ], pick);
    case 'number':
      return numberBox(spec, pick);
    case 'names':
      return checklist(spec, pick);
    case 'steps':
      return stepsControl(spec, hint => fieldset(spec, hint), pick);
  }
}
