/**
 * nbgrader's Assignments tab, as the course shows it: after Submit, a sentence in words says
 * the hand-in was recorded, and every lesson's hand-ins are listed newest
 * first, so the trainee's own submission is the first row (nbgrader's own error dialog says
 * when a hand-in fails). nbgrader draws the tab as plain
 * DOM with fixed ids (#fetched_assignments_list, #submitted_assignments_list); this module
 * only reads those and adds a status line, it never changes what nbgrader sends.
 */

const FETCHED = 'fetched_assignments_list';
const SUBMITTED = 'submitted_assignments_list';
const NOTE = 'cryo-submit-note';

interface Pending {
  assignment: string;
  before: number;
}

/** The hand-in rows (one per submission) of the submitted list, by lesson. */
function handIns(list: HTMLElement): Map<string, HTMLElement[]> {
  const found = new Map<string, HTMLElement[]>();
  for (const lesson of Array.from(list.children) as HTMLElement[]) {
    if (!lesson.classList.contains('list_item')) {
      continue;
    }
    const name = lesson.querySelector('.item_name')?.textContent?.trim() ?? '';
    const rows = Array.from(lesson.querySelectorAll<HTMLElement>('.nested_list_item'));
    found.set(name, rows);
  }
  return found;
}

/** Each lesson's hand-ins newest first (nbgrader lists them oldest first). */
function newestFirst(list: HTMLElement, first: string | undefined): void {
  const lessons = (Array.from(list.children) as HTMLElement[]).filter(child =>
    child.classList.contains('list_item'));
  for (const lesson of lessons) {
    const rows = Array.from(lesson.querySelectorAll<HTMLElement>('.nested_list_item'));
    const parent = rows[0]?.parentElement;
    const stamp = (row: HTMLElement): string => row.querySelector('.item_name')?.textContent ?? '';
    const sorted = [...rows].sort((a, b) => stamp(b).localeCompare(stamp(a)));
    if (parent && sorted.some((row, index) => row !== rows[index])) {
      parent.append(...sorted);
    }
  }
  const own = lessons.find(lesson =>
    lesson.querySelector('.item_name')?.textContent?.trim() === first);
  if (own && list.querySelector('.list_item') !== own) {
    list.insertBefore(own, list.querySelector('.list_item'));
  }
}

function note(tab: HTMLElement): HTMLElement {
  let line = tab.querySelector<HTMLElement>(`.${NOTE}`);
  if (!line) {
    line = document.createElement('p');
    line.className = NOTE;
    line.setAttribute('role', 'status');
    const panels = tab.querySelector('.panel-group');
    panels?.parentElement?.insertBefore(line, panels);
  }
  return line;
}

/** Follow one Assignments tab (its root node holds nbgrader's lists). */
function follow(tab: HTMLElement, submitted: HTMLElement): void {
  let pending: Pending | undefined;
  let last: string | undefined;
  tab.addEventListener('click', event => {
    const button = (event.target as HTMLElement).closest('button');
    const row = button?.closest(`#${FETCHED} .list_item`);
    if (!button || !row || button.textContent?.trim() !== 'Submit') {
      return;
    }
    const assignment = row.querySelector('.item_name')?.textContent?.trim() ?? '';
    pending = { assignment, before: handIns(submitted).get(assignment)?.length ?? 0 };
    note(tab).textContent = `Handing in ${assignment}…`;
  }, true);
  const observer = new MutationObserver(() => {
    observer.disconnect();
    try {
      if (pending) {
        const count = handIns(submitted).get(pending.assignment)?.length ?? 0;
        if (count > pending.before) {
          const time = new Date().toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
          note(tab).textContent = `✔ Handed in: ${pending.assignment}, at ${time}. ` +
            'Your hand-in is the first row under "Submitted assignments". You can hand in ' +
            'again until the deadline: the last hand-in is the one marked.';
          last = pending.assignment;
          pending = undefined;
        }
      }
      newestFirst(submitted, last);
    } finally {
      observer.observe(submitted, { childList: true, subtree: true });
    }
  });
  newestFirst(submitted, undefined);
  observer.observe(submitted, { childList: true, subtree: true });
}

/** Watch the page for nbgrader's Assignments tab and follow each one that opens. */
export function watchAssignmentsTab(root: HTMLElement = document.body): void {
  const seen = new WeakSet<HTMLElement>();
  const look = (): void => {
    for (const submitted of Array.from(root.querySelectorAll<HTMLElement>(`#${SUBMITTED}`))) {
      const tab = submitted.closest<HTMLElement>('.lm-Widget') ?? submitted.parentElement;
      if (tab && !seen.has(submitted)) {
        seen.add(submitted);
        follow(tab, submitted);
      }
    }
  };
  let queued = false;
  new MutationObserver(() => {
    if (!queued) {
      queued = true;
      requestAnimationFrame(() => {
        queued = false;
        look();
      });
    }
  }).observe(root, { childList: true, subtree: true });
  look();
}
