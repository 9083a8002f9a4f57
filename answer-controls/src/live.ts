/**
 * Live status for an answer cell: the control's line says, in plain words, what the cell
 * holds now (after a click or while typing), and the question's check cell never shows an
 * old verdict. After a pick the answer cell runs and then its check cell; when the trainee
 * runs the answer cell herself (Shift+Enter), the check cell runs after it; while the cell
 * is changed by typing and not yet run, the old check is dimmed under a line saying so.
 */

import { Cell, CodeCell } from '@jupyterlab/cells';
import { NotebookActions, NotebookPanel } from '@jupyterlab/notebook';
import { PanelLayout, Widget } from '@lumino/widgets';

import type { AnswerSpec } from './controls';
import type { Value } from './literals';

const STALE = 'cryo-check-stale';

/** A value as the trainee picked it: the option's own words, a number with its unit. */
export function spokenValue(spec: AnswerSpec, value: Value | undefined): string {
  if (value === undefined) {
    return 'not readable as typed (run the cell: the check below says why)';
  }
  if (value === null) {
    return 'not answered yet';
  }
  const words = new Map<string, string>();
  for (const option of spec.options ?? []) {
    const [code, text] = Array.isArray(option) ? option : [option, option];
    words.set(code, text);
  }
  if (typeof value === 'boolean') {
    return value ? 'Yes' : 'No';
  }
  if (typeof value === 'number') {
    return `${value} ${spec.unit ?? ''}`.trim();
  }
  if (Array.isArray(value)) {
    if (value.length === 0) {
      return `none (no ${spec.label ?? 'name'} applies)`;
    }
    const shown = value.map(code => words.get(code) ?? code);
    return spec.kind === 'steps'
      ? shown.map((text, index) => `${index + 1}. ${text}`).join('; ')
      : shown.join('; ');
  }
  return words.get(value) ?? value;
}

/** The status line for every answer of a cell. */
export function statusLine(
  specs: AnswerSpec[],
  read: (name: string) => Value | undefined
): string {
  const parts = specs.map(spec => {
    const value = read(spec.name);
    const name = spec.name.replace(/_/g, ' ');
    return specs.length > 1 ? `${name}: ${spokenValue(spec, value)}` : spokenValue(spec, value);
  });
  return `Your answer now: ${parts.join(' · ')}`;
}

class StaleNote extends Widget {
  constructor() {
    super();
    this.addClass('cryo-stale-note');
    this.node.setAttribute('role', 'status');
  }
}

/** Keeps a question's check cell in step with its answer cell. */
export class LiveCheck {
  private readonly note = new StaleNote();
  private running = false;

  constructor(
    private readonly answer: CodeCell,
    private readonly panel: NotebookPanel,
    private readonly item: string | undefined
  ) {
    NotebookActions.executed.connect(this.onExecuted, this);
  }

  /** The code cell that checks this question (``check("<item>")``), if the lesson has one. */
  private checkCell(): CodeCell | undefined {
    if (!this.item) {
      return undefined;
    }
    const call = `check("${this.item}")`;
    return this.panel.content.widgets.find(
      (cell): cell is CodeCell =>
        cell instanceof CodeCell && cell.model.sharedModel.getSource().includes(call)
    );
  }

  /** Run the answer cell, then its check (a newer run cancels this one quietly). */
  run(): void {
    const context = this.panel.sessionContext;
    this.running = true;
    CodeCell.execute(this.answer, context)
      .then(() => this.runCheck())
      .catch(() => undefined)
      .finally(() => (this.running = false));
  }

  private runCheck(): Promise<unknown> {
    const check = this.checkCell();
    if (!check) {
      return Promise.resolve();
    }
    this.fresh(check);
    return CodeCell.execute(check, this.panel.sessionContext);
  }

  /** The answer cell changed by typing: its check no longer speaks of it. */
  changed(): void {
    const check = this.checkCell();
    if (!check || this.running || !check.model.outputs.length) {
      return;
    }
    if (!check.hasClass(STALE)) {
      check.addClass(STALE);
      this.note.node.textContent =
        'Your answer has changed since this check ran. It checks again when you run your ' +
        'answer cell (Shift + Enter).';
      const layout = check.layout as PanelLayout;
      const index = layout.widgets.findIndex(child => child.hasClass('jp-Cell-outputWrapper'));
      layout.insertWidget(index < 0 ? layout.widgets.length : index, this.note);
    }
  }

  private fresh(check: CodeCell): void {
    check.removeClass(STALE);
    if (this.note.parent) {
      this.note.parent = null;
    }
  }

  private onExecuted(
    _sender: unknown,
    args: { notebook: unknown; cell: Cell; success: boolean }
  ): void {
    if (args.cell === this.answer && !this.running) {
      // Run All has queued the check already; otherwise run it now.
      if (this.checkCell()?.model.executionState !== 'running') {
        void this.runCheck().catch(() => undefined);
      }
    } else if (args.cell === this.checkCell()) {
      this.fresh(args.cell as CodeCell);
    }
  }

  dispose(): void {
    NotebookActions.executed.disconnect(this.onExecuted, this);
    this.note.dispose();
  }
}
