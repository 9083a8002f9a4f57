/**
 * The ordered-steps control: steps to choose from on one side, "your order" on the other.
 * A click (or Enter/Space) on a step adds it at the end of the order; each step in the order
 * has buttons to move it up, move it down or take it out, and can be dragged with the mouse;
 * Alt+Arrow Up/Down moves the focused step. Every change is picked at once (the cell is
 * written), so there is nothing to copy.
 */

import type { AnswerSpec, Control } from './controls';
import type { Value } from './literals';

type Pick = (value: Value) => void;

function make<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text = ''
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  if (text) {
    node.textContent = text;
  }
  return node;
}

function button(text: string, label: string, className: string): HTMLButtonElement {
  const node = make('button', `cryo-step-button ${className}`, text);
  node.type = 'button';
  node.setAttribute('aria-label', label);
  node.title = label;
  return node;
}

/** ``order`` with the entry at ``from`` moved to ``to`` (both clamped to the list). */
export function moved(order: string[], from: number, to: number): string[] {
  const next = order.slice();
  const target = Math.max(0, Math.min(next.length - 1, to));
  const [code] = next.splice(from, 1);
  next.splice(target, 0, code);
  return next;
}

/** The control for an answer of kind ``steps`` (``legend``: the fieldset and its body). */
export function stepsControl(
  spec: AnswerSpec,
  legend: (hint: string) => [HTMLFieldSetElement, HTMLElement],
  pick: Pick
): Control {
  const what = spec.label ?? 'step';
  const [set, body] = legend(`click the ${what}s in the order you do them`);
  const names = new Map<string, string>();
  for (const option of spec.options ?? []) {
    const [code, text] = Array.isArray(option) ? option : [option, option];
    names.set(code, text);
  }
  let order: string[] = [];

  const choices = make('div', 'cryo-steps-choices');
  choices.setAttribute('role', 'group');
  choices.setAttribute('aria-label', `${what}s to choose from`);
  choices.append(make('p', 'cryo-steps-heading', `${what[0].toUpperCase()}${what.slice(1)}s to choose from`));
  const adders = new Map<string, HTMLButtonElement>();
  for (const [code, text] of names) {
    const add = button(`+ ${text}`, `Add: ${text}`, 'cryo-step-add');
    add.addEventListener('click', () => {
      if (!order.includes(code)) {
        change([...order, code], -1);
        // Focus the next step still to choose (or the list when none is left).
        const next = [...adders.values()].find(other => !other.disabled);
        (next ?? list).focus();
      }
    });
    adders.set(code, add);
    choices.append(add);
  }

  const chosen = make('div', 'cryo-steps-chosen');
  const heading = make('p', 'cryo-steps-heading', 'Your order (first step first)');
  const list = make('ol', 'cryo-steps-order');
  list.tabIndex = -1;
  list.setAttribute('aria-label', 'Your order, first step first');
  const empty = make('p', 'cryo-steps-empty', `No ${what} chosen yet.`);
  const again = button('Start again', 'Start again: take every step out', 'cryo-step-clear');
  again.addEventListener('click', () => change([], -1));
  chosen.append(heading, list, empty, again);
  body.classList.add('cryo-steps');
  body.append(choices, chosen);

  let dragged = -1;

  function render(focus: number, part: string): void {
    list.replaceChildren();
    order.forEach((code, index) => {
      const text = names.get(code) ?? code;
      const row = make('li', 'cryo-step');
      row.draggable = true;
      row.dataset.code = code;
      const words = make('span', 'cryo-step-text', text);
      const up = button('↑', `Move up: ${text}`, 'cryo-step-up');
      const down = button('↓', `Move down: ${text}`, 'cryo-step-down');
      const remove = button('✕', `Take out: ${text}`, 'cryo-step-remove');
      up.disabled = index === 0;
      down.disabled = index === order.length - 1;
      up.addEventListener('click', () => change(moved(order, index, index - 1), index - 1, 'up'));
      down.addEventListener('click', () =>
        change(moved(order, index, index + 1), index + 1, 'down')
      );
      remove.addEventListener('click', () =>
        change(order.filter(other => other !== code), Math.min(index, order.length - 2), 'remove')
      );
      row.addEventListener('keydown', event => {
        if (event.altKey && (event.key === 'ArrowUp' || event.key === 'ArrowDown')) {
          const to = index + (event.key === 'ArrowUp' ? -1 : 1);
          event.preventDefault();
          event.stopPropagation();
          change(moved(order, index, to), Math.max(0, Math.min(order.length - 1, to)), part);
        }
      });
      row.addEventListener('dragstart', event => {
        dragged = index;
        event.dataTransfer?.setData('text/plain', code);
        row.classList.add('cryo-step-dragged');
      });
      row.addEventListener('dragend', () => row.classList.remove('cryo-step-dragged'));
      row.addEventListener('dragover', event => event.preventDefault());
      row.addEventListener('drop', event => {
        event.preventDefault();
        if (dragged >= 0 && dragged !== index) {
          change(moved(order, dragged, index), -1);
        }
        dragged = -1;
      });
      row.append(make('span', 'cryo-step-number', `${index + 1}.`), words, up, down, remove);
      list.append(row);
    });
    for (const [code, add] of adders) {
      add.disabled = order.includes(code);
    }
    empty.hidden = order.length > 0;
    again.disabled = order.length === 0;
    if (focus >= 0 && focus < order.length) {
      const row = list.children[focus] as HTMLElement;
      const wanted = row.querySelector<HTMLButtonElement>(`.cryo-step-${part}:not(:disabled)`);
      (wanted ?? row.querySelector<HTMLButtonElement>('button:not(:disabled)'))?.focus();
    } else if (part === 'remove') {
      list.focus();
    }
  }

  function change(next: string[], focus: number, part = 'up'): void {
    order = next;
    render(focus, part);
    pick(order.length ? order.slice() : null);
  }

  render(-1, '');
  return {
    node: set,
    show(value) {
      const shown = Array.isArray(value) ? value.filter(code => names.has(code)) : [];
      if (shown.join('\n') !== order.join('\n')) {
        order = shown;
        const active = document.activeElement;
        render(-1, '');
        if (active instanceof HTMLElement && !active.isConnected) {
          list.focus();
        }
      }
    }
  };
}
