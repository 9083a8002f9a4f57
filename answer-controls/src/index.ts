/**
 * cryocourse-answers: answer cells as the control that fits their answer kind.
 *
 * The course writes each answer cell's kinds and choices into its metadata when a lesson is
 * generated (``metadata.cryocourse``). This extension shows, above such a cell, buttons for
 * a choice, Yes/No, a number box with its unit or a searchable checklist. Picking writes the
 * plain Python line into the cell (``decision = "defer"``) and runs it, so checking, Validate
 * and nbgrader's marking stay exactly as they are; typing in the cell still works and the
 * control follows it. Written answers get a text box that is plainly a place to write.
 */

import { JupyterFrontEnd, JupyterFrontEndPlugin } from '@jupyterlab/application';
import { Cell, CodeCell, MarkdownCell } from '@jupyterlab/cells';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { PanelLayout, Widget } from '@lumino/widgets';

import { watchAssignmentsTab } from './assignments';
import { AnswerSpec, control, Control, spoken } from './controls';
import { LiveCheck, statusLine } from './live';
import { literal, typedAnswer, Value, withAnswer } from './literals';
import { checkedCellSpec } from './metadata';

const KEY = 'cryocourse';
const DONE = 'cryoControls';
const STUB = 'Write your answer here, in plain sentences.';
const REFUSED = 'This answer cell cannot show its buttons.';

function insertAboveInput(cell: Cell, widget: Widget): void {
  const layout = cell.layout as PanelLayout;
  const index = layout.widgets.findIndex(child =>
    child.hasClass('jp-Cell-inputWrapper')
  );
  layout.insertWidget(index < 0 ? layout.widgets.length : index, widget);
}

/**
 * Stop the notebook from taking focus or plain keys away from a form element (a letter typed
 * in a text box must not become a notebook command); shortcuts such as Ctrl+S still work.
 */
function keepFocus(node: HTMLElement): void {
  for (const type of ['mousedown', 'dblclick', 'paste']) {
    node.addEventListener(type, event => event.stopPropagation());
  }
  node.addEventListener('keydown', event => {
    if (!(event.ctrlKey || event.metaKey || event.altKey || event.key === 'Escape')) {
      event.stopPropagation();
    }
  });
}

class AnswerControls extends Widget {
  private readonly controls = new Map<string, Control>();
  private readonly status: HTMLElement;
  private readonly live: LiveCheck;
  private source: string;

  constructor(
    private readonly cell: CodeCell,
    panel: NotebookPanel,
    private readonly answers: AnswerSpec[],
    item?: string
  ) {
    super();
    this.live = new LiveCheck(cell, panel, item);
    this.source = cell.model.sharedModel.getSource();
    this.addClass('cryo-answers');
    this.node.setAttribute('role', 'group');
    this.node.setAttribute('aria-label', 'Your answer');
    for (const spec of answers) {
      const made = control(spec, value => this.pick(spec.name, value));
      this.controls.set(spec.name, made);
      this.node.append(made.node);
    }
    this.status = document.createElement('p');
    this.status.className = 'cryo-status';
    this.status.setAttribute('aria-live', 'polite');
    this.node.append(this.status);
    keepFocus(this.node);
    this.follow();
    cell.model.contentChanged.connect(this.follow, this);
  }

  /** Show in the controls and the status line what the cell says now (typed or picked). */
  private follow(): void {
    const source = this.cell.model.sharedModel.getSource();
    for (const [name, made] of this.controls) {
      made.show(typedAnswer(source, name));
    }
    const line = statusLine(this.answers, name => typedAnswer(source, name));
    if (this.status.textContent !== line) {
      this.status.textContent = line;
    }
    if (source !== this.source) {
      this.source = source;
      this.live.changed(); // typed, not yet run: the check under it is out of date
    }
  }

  private pick(name: string, value: Value): void {
    const model = this.cell.model.sharedModel;
    this.source = withAnswer(model.getSource(), name, value);
    model.setSource(this.source);
    this.live.run(); // the answer cell, then its check
  }

  dispose(): void {
    if (!this.isDisposed) {
      this.cell.model.contentChanged.disconnect(this.follow, this);
      this.live.dispose();
    }
    super.dispose();
  }
}

class WrittenAnswer extends Widget {
  private readonly box: HTMLTextAreaElement;

  constructor(private readonly cell: MarkdownCell) {
    super();
    this.addClass('cryo-written');
    const id = `cryo-written-${Math.random().toString(36).slice(2)}`;
    const label = document.createElement('label');
    label.htmlFor = id;
    label.className = 'cryo-written-label';
    label.textContent = 'Your written answer (marked by your instructor): write here';
    this.box = document.createElement('textarea');
    this.box.id = id;
    this.box.rows = 6;
    this.box.placeholder = 'Write your answer in plain sentences.';
    this.box.addEventListener('input', () => {
      this.cell.model.sharedModel.setSource(this.box.value.trim() ? this.box.value : STUB);
    });
    this.node.append(label, this.box);
    keepFocus(this.node);
    this.follow();
    cell.model.contentChanged.connect(this.follow, this);
  }

  private follow(): void {
    const source = this.cell.model.sharedModel.getSource();
    const shown = source.trim() === STUB ? '' : source;
    if (document.activeElement !== this.box && this.box.value !== shown) {
      this.box.value = shown;
    }
  }

  dispose(): void {
    if (!this.isDisposed) {
      this.cell.model.contentChanged.disconnect(this.follow, this);
    }
    super.dispose();
  }
}

/** In place of controls that may not be shown: one plain sentence; nothing is written or run. */
class Refusal extends Widget {
  constructor() {
    super();
    this.addClass('cryo-refused');
    const sentence = document.createElement('p');
    sentence.textContent = REFUSED;
    this.node.append(sentence);
  }
}

/**
 * Give one cell its controls, or the refusal sentence. The cell's metadata is checked first
 * (./metadata.ts); whatever goes wrong, goes wrong for this cell alone.
 */
function decorate(cell: Cell, panel: NotebookPanel): void {
  if (cell.node.dataset[DONE]) {
    return;
  }
  let metadata: unknown;
  let gradeId: unknown;
  try {
    metadata = cell.model.getMetadata(KEY);
    gradeId = (cell.model.getMetadata('nbgrader') as { grade_id?: unknown } | undefined)?.grade_id;
  } catch {
    metadata = null;
  }
  if (metadata === undefined) {
    return;
  }
  cell.node.dataset[DONE] = 'yes';
  const checked = checkedCellSpec(metadata, gradeId);
  let shown: Widget | undefined;
  try {
    if (checked.ok && 'kind' in checked.spec && cell instanceof MarkdownCell) {
      shown = new WrittenAnswer(cell);
      cell.addClass('cryo-written-cell');
      cell.node.setAttribute('aria-label', 'Written answer');
    } else if (checked.ok && 'answers' in checked.spec && cell instanceof CodeCell) {
      const answers = checked.spec.answers;
      shown = new AnswerControls(cell, panel, answers, checked.spec.item);
      cell.addClass('cryo-answer-cell');
      cell.node.setAttribute('aria-label', `Answer: ${answers.map(a => spoken(a.name)).join(', ')}`);
    }
  } catch {
    shown?.dispose();
    shown = undefined;
  }
  insertAboveInput(cell, shown ?? new Refusal());
}

/**
 * Names for the parts of the course's interactive widgets that ipywidgets leaves unnamed:
 * a slider's handle gets its label's text, a chart image an alt text pointing to the
 * sentence that describes it (every course chart has one).
 */
function nameWidgetParts(root: HTMLElement): void {
  for (const handle of root.querySelectorAll<HTMLElement>(
    '.widget-slider [role="slider"]:not([aria-label])'
  )) {
    const label = handle.closest('.widget-slider')?.querySelector('.widget-label');
    if (label?.textContent) {
      handle.setAttribute('aria-label', label.textContent);
    }
  }
  for (const image of root.querySelectorAll<HTMLImageElement>('img.widget-image:not([alt])')) {
    image.alt = 'Chart (described in the text next to it)';
  }
}

function watch(panel: NotebookPanel): void {
  const notebook = panel.content;
  const observer = new MutationObserver(() => nameWidgetParts(notebook.node));
  observer.observe(notebook.node, { childList: true, subtree: true });
  panel.disposed.connect(() => observer.disconnect());
  const visit = (): void => {
    for (const cell of notebook.widgets) {
      try {
        decorate(cell, panel);
      } catch {
        // one cell's failure never takes the other cells' controls with it
      }
    }
  };
  void panel.context.ready.then(() => {
    visit();
    notebook.model?.cells.changed.connect(() => requestAnimationFrame(visit));
  });
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'cryocourse-answers:plugin',
  description: 'Answer cells of the cryotherapy course as buttons, lists and boxes.',
  autoStart: true,
  requires: [INotebookTracker],
  activate: (_app: JupyterFrontEnd, tracker: INotebookTracker) => {
    tracker.widgetAdded.connect((_sender, panel) => watch(panel));
    watchAssignmentsTab();
  }
};

export default plugin;
