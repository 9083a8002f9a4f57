/**
 * Reading what a trainee types in a number box, never changing it without a word.
 *
 * Accepted: digits with a decimal point or a decimal comma ("0.5", "0,5", ".5"), a minus
 * sign, and after the number a word for the question's own unit ("15 min", "0,5 s",
 * "19.5 %"). Anything else gets a plain sentence saying what could not be read, and nothing
 * is written. A comma followed by exactly three digits ("1,500") could be a thousands
 * separator or a decimal comma, so it is asked about, not guessed. The cases are a table
 * (answer-controls/number_cases.json) that the browser test types into the real box.
 */

/** The words accepted for each unit the course's questions use (lower case). */
export const UNIT_WORDS: Record<string, string[]> = {
  seconds: ['s', 'sec', 'secs', 'second', 'seconds'],
  minutes: ['min', 'mins', 'minute', 'minutes'],
  days: ['d', 'day', 'days'],
  litres: ['l', 'litre', 'litres', 'liter', 'liters'],
  percent: ['%', 'percent', 'per cent', 'pct']
};

export type NumberReading =
  | { value: number | null; note: string }
  | { problem: string };

function unitOf(word: string): string | undefined {
  return Object.keys(UNIT_WORDS).find(unit => UNIT_WORDS[unit].includes(word));
}

/**
 * The number in ``typed`` for a question in ``unit``: its value (null for an empty box) and
 * a note saying how it was read when that is not plain ("0,5" -> "read as 0.5 seconds"), or
 * a problem in plain words.
 */
export function readNumber(typed: string, unit: string): NumberReading {
  const text = typed.trim().toLowerCase().replace(/\s+/g, ' ');
  if (text === '') {
    return { value: null, note: '' };
  }
  const match = /^([+-]?)(\d*)(?:([.,])(\d*))?\s*(.*)$/.exec(text);
  const shown = typed.trim();
  if (!match || (match[2] === '' && (match[4] ?? '') === '')) {
    return {
      problem: `"${shown}" is not a number. Type digits, like 12 or 0.5 (a comma works too: 0,5).`
    };
  }
  const [, sign, whole, mark, fraction = '', rest] = match;
  const word = rest.trim();
  if (word) {
    const named = unitOf(word);
    if (named === undefined) {
      return {
        problem: `"${shown}": the number could be read, but not "${rest.trim()}". Type only the number of ${unit}.`
      };
    }
    if (named !== unit) {
      return {
        problem: `"${shown}" is in ${named}, but this answer is in ${unit}. Type the number of ${unit}.`
      };
    }
  }
  if (mark === ',' && fraction.length === 3 && whole !== '' && whole.replace(/^0+/, '') !== '') {
    return {
      problem: `"${shown}" could mean ${whole}${fraction} or ${whole}.${fraction}. Type ${whole}${fraction} or ${whole}.${fraction}.`
    };
  }
  const value = Number(`${sign}${whole || '0'}.${fraction || '0'}`);
  const plain = String(value);
  const note = plain === shown ? '' : `Read as ${plain} ${unit}.`;
  return { value, note };
}
